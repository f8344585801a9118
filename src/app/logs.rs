//! The open log stream, owned by the run loop: starting it from a request,
//! and carrying out the log view's commands against its buffer.

use chrono::Utc;
use kube::Client;

use super::state::{App, Flash};
use super::update::{LogCmd, LogRequest};
use crate::cluster::logs::{LogOptions, LogSession, LogTarget, Since};
use crate::model::logs::{LogFilter, LogView};

pub struct OpenLogs {
    session: LogSession,
    request: LogRequest,
    opts: LogOptions,
    include: String,
    exclude: String,
    highlight: String,
}

impl OpenLogs {
    pub fn start(client: &Client, request: LogRequest, opts: LogOptions) -> Result<Self, String> {
        let target = target(&request)?;
        let session = LogSession::start(client.clone(), target, opts.clone());
        Ok(OpenLogs {
            session,
            request,
            opts,
            include: String::new(),
            exclude: String::new(),
            highlight: String::new(),
        })
    }

    pub async fn changed(&self) {
        self.session.changed().await
    }

    pub fn view(&self, app: &App, height: u16, width: u16) -> LogView {
        self.session.view(&app.log_state, height, width)
    }

    /// Carries out `cmd`; returns a replacement stream when the command
    /// needs different request options (previous, since, tail).
    pub fn apply(&mut self, app: &mut App, client: &Client, cmd: LogCmd) -> Option<OpenLogs> {
        let restart = |this: &Self, opts: LogOptions| {
            OpenLogs::start(client, this.request.clone(), opts)
                .ok()
                .map(|mut n| {
                    n.include.clone_from(&this.include);
                    n.exclude.clone_from(&this.exclude);
                    n.highlight.clone_from(&this.highlight);
                    n
                })
        };
        match cmd {
            LogCmd::ScrollUp(n) => self.session.with_buffer(|b| app.log_state.scroll_up(n, b)),
            LogCmd::ScrollDown(n) => app.log_state.scroll_down(n),
            LogCmd::TogglePause => self.session.with_buffer(|b| app.log_state.toggle_pause(b)),
            LogCmd::Follow => app.log_state.follow(),
            LogCmd::Wrap => app.log_state.wrap ^= true,
            LogCmd::Timestamps => app.log_state.timestamps ^= true,
            LogCmd::Previous => {
                let previous = !self.opts.previous;
                let opts = LogOptions {
                    previous,
                    follow: !previous,
                    ..self.opts.clone()
                };
                app.flash = Some(Flash {
                    text: if previous {
                        "showing the previous container instances"
                    } else {
                        "following the current containers"
                    }
                    .into(),
                    error: false,
                });
                return restart(self, opts);
            }
            LogCmd::Since(secs) => {
                let opts = LogOptions {
                    since: Some(Since::Seconds(secs)),
                    tail_lines: None,
                    ..self.opts.clone()
                };
                return restart(self, opts);
            }
            LogCmd::Tail(n) => {
                let opts = LogOptions {
                    tail_lines: Some(n),
                    since: None,
                    ..self.opts.clone()
                };
                return restart(self, opts);
            }
            LogCmd::Filter(text) => {
                let (include, exclude) = match text.strip_prefix('!') {
                    Some(ex) => (self.include.clone(), ex.to_string()),
                    None => (text, self.exclude.clone()),
                };
                let highlight = self.highlight.clone();
                if refilter(app, &include, &exclude, &highlight) {
                    (self.include, self.exclude) = (include, exclude);
                }
            }
            LogCmd::Highlight(text) => {
                if refilter(app, &self.include, &self.exclude, &text) {
                    self.highlight = text;
                }
            }
            LogCmd::Save => self.save(app),
        }
        None
    }

    fn save(&self, app: &mut App) {
        let Some(dir) = crate::config::state_dir().map(|d| d.join("logs")) else {
            app.flash = Some(Flash {
                text: "cannot save: no HOME or XDG_STATE_HOME".into(),
                error: true,
            });
            return;
        };
        let name: String = self
            .request
            .label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(format!("{name}-{}.log", Utc::now().format("%Y%m%d-%H%M%S")));
        let result =
            std::fs::create_dir_all(&dir).and_then(|_| self.session.save(&path, &app.log_state));
        app.flash = Some(match result {
            Ok(n) => Flash {
                text: format!("saved {n} lines to {}", path.display()),
                error: false,
            },
            Err(e) => Flash {
                text: format!("cannot save to {}: {e}", path.display()),
                error: true,
            },
        });
    }
}

/// Applies the three patterns if they all compile. A bad one (often
/// half-typed) leaves the filter in force and the remembered patterns as
/// they were, so the next good command does not trip over it.
fn refilter(app: &mut App, include: &str, exclude: &str, highlight: &str) -> bool {
    match LogFilter::new(include, exclude, highlight) {
        Ok(f) => {
            app.log_state.set_filter(f);
            true
        }
        Err(e) => {
            app.flash = Some(Flash {
                text: e,
                error: true,
            });
            false
        }
    }
}

fn target(r: &LogRequest) -> Result<LogTarget, String> {
    match (&r.pod, &r.selector) {
        (Some(pod), _) => Ok(LogTarget::container(
            &r.namespace,
            pod,
            r.container.as_deref(),
        )),
        (None, Some(sel)) => {
            let mut t = LogTarget::selector(&r.namespace, sel, r.container.as_deref())?;
            if let LogTarget::Selector { label, .. } = &mut t {
                label.clone_from(&r.label);
            }
            Ok(t)
        }
        (None, None) => Err("nothing to stream".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::ClusterInfo;

    #[tokio::test]
    async fn a_bad_log_filter_changes_nothing_and_is_not_remembered() {
        // Never reached: the stream only retries in the background.
        let config = kube::Config::new("http://127.0.0.1:1".parse().unwrap());
        let client = Client::try_from(config).unwrap();
        let request = LogRequest {
            namespace: "shop".into(),
            pod: Some("api-1".into()),
            selector: None,
            container: None,
            label: "pod/api-1".into(),
        };
        let mut logs = OpenLogs::start(&client, request, LogOptions::default()).unwrap();
        let info = ClusterInfo {
            context: "ctx".into(),
            contexts: vec!["ctx".into()],
            server_version: "v1.34.0".into(),
            readonly: false,
        };
        let mut app = App::new(info, Some("shop".into()), "shop".into());
        logs.apply(&mut app, &client, LogCmd::Filter("err".into()));
        logs.apply(&mut app, &client, LogCmd::Filter("(oops".into()));
        let flash = app.flash.take().unwrap();
        assert!(
            flash.error && flash.text.starts_with("bad include regex"),
            "{}",
            flash.text
        );
        assert_eq!(
            app.log_state.filter.include(),
            "err",
            "previous filter kept"
        );
        // The bad pattern is forgotten: the next command works.
        logs.apply(&mut app, &client, LogCmd::Highlight("warn".into()));
        assert!(
            app.flash.is_none(),
            "{:?}",
            app.flash.as_ref().map(|f| &f.text)
        );
        assert_eq!(app.log_state.filter.highlight(), "warn");
        logs.apply(&mut app, &client, LogCmd::Highlight("[".into()));
        assert!(app.flash.take().is_some_and(|f| f.error));
        assert_eq!(app.log_state.filter.highlight(), "warn");
        logs.apply(&mut app, &client, LogCmd::Filter("!debug".into()));
        assert_eq!(
            (
                app.log_state.filter.include(),
                app.log_state.filter.exclude()
            ),
            ("err", "debug")
        );
    }
}
