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
                match text.strip_prefix('!') {
                    Some(ex) => self.exclude = ex.to_string(),
                    None => self.include = text,
                }
                self.refilter(app);
            }
            LogCmd::Highlight(text) => {
                self.highlight = text;
                self.refilter(app);
            }
            LogCmd::Save => self.save(app),
        }
        None
    }

    fn refilter(&self, app: &mut App) {
        match LogFilter::new(&self.include, &self.exclude, &self.highlight) {
            Ok(f) => app.log_state.set_filter(f),
            Err(e) => {
                app.flash = Some(Flash {
                    text: e,
                    error: true,
                })
            }
        }
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
