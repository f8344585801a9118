use std::process::ExitCode;

use clap::Parser;

use kockpit::app::run::{self, Options};
use kockpit::cli::{Cli, Command, DemoCommand};
use kockpit::cluster::{connect, ConnectOptions};
use kockpit::config::{
    self,
    keymap::Keymap,
    theme::{ColorDepth, Theme},
};
use kockpit::demo::{DemoCluster, DemoOptions};

fn main() -> ExitCode {
    kockpit::cluster::memory::single_arena();
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kockpit: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(real_main(cli)) {
        Ok(ended) => ended.exit_code(),
        Err(e) => {
            // One line: the cause chain joined, never a backtrace, and no
            // escape sequence from a kubeconfig, a flag or a server.
            let line = format!("{e:#}").replace(['\n', '\r'], " ");
            eprintln!("kockpit: {}", kockpit::model::sanitize::clean(&line));
            ExitCode::FAILURE
        }
    }
}

async fn real_main(cli: Cli) -> anyhow::Result<run::Ended> {
    if let Some(Command::Demo {
        command:
            DemoCommand::Serve {
                addr,
                kubeconfig,
                faults,
                demo_opts,
            },
    }) = cli.command
    {
        let opts = DemoOptions {
            addr,
            scenario: demo_opts.scenario,
            speed: demo_opts.speed,
            kubeconfig_path: kubeconfig,
            faults: kockpit::demo::faults::FaultSpec::from_flags(&faults)
                .map_err(anyhow::Error::msg)?,
        };
        return kockpit::demo::serve_forever(opts)
            .await
            .map(|()| run::Ended::Quit);
    }

    // The demo cluster is reached through a kubeconfig exactly like any
    // other cluster; nothing past this point knows it is a demo.
    let demo = if cli.demo {
        let opts = DemoOptions {
            scenario: cli.demo_opts.scenario.clone(),
            speed: cli.demo_opts.speed,
            ..DemoOptions::default()
        };
        Some(DemoCluster::start(opts).await?)
    } else {
        None
    };
    let connect_opts = ConnectOptions {
        kubeconfig: demo
            .as_ref()
            .map(|d| d.kubeconfig_path().to_path_buf())
            .or(cli.kubeconfig.clone()),
        context: if demo.is_some() {
            None
        } else {
            cli.context.clone()
        },
        namespace: cli
            .namespace
            .clone()
            .or_else(|| demo.as_ref().map(|_| "shop".to_string())),
        at_start: true,
        exec_timeout: Some(cli.exec_timeout),
    };
    let conn = connect(&connect_opts).await?;
    // Connection mistakes are reported first: they are what a script or a
    // pipe needs to hear about. Past here the screen is needed.
    if let Err(why) = needs_terminal() {
        if let Some(d) = demo {
            d.shutdown().await;
        }
        return Err(why);
    }

    let (keymap, mut problems) =
        load_config("keymap.toml", |user| Keymap::load_all(&cli.keymap, user));
    let depth = ColorDepth::detect();
    let (theme, mut theme_problems) = load_config("theme.toml", |user| {
        Theme::load_all(&cli.theme, user, depth)
    });
    problems.append(&mut theme_problems);
    let startup_message = config::problems_line(&problems);

    let result = run::run(
        conn,
        Options {
            all_namespaces: cli.all_namespaces,
            readonly: cli.readonly,
            mouse: cli.mouse,
            keymap,
            theme,
            startup_message,
            connect: connect_opts,
            slot_keys: cli.slot_keys.clone(),
        },
    )
    .await;
    if let Some(d) = demo {
        d.shutdown().await;
    }
    result
}

/// The cockpit draws on stdout and reads keys from stdin (or, as crossterm
/// does when stdin is redirected, from the controlling terminal). Without
/// them raw mode fails with "No such device or address (os error 6)".
fn needs_terminal() -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        anyhow::bail!("kockpit needs a terminal: its output is not one (run it in a terminal, not through a pipe or a file)");
    }
    if !std::io::stdin().is_terminal() && std::fs::File::open("/dev/tty").is_err() {
        anyhow::bail!("kockpit needs a terminal: there is none to read keys from (stdin is not a terminal and there is no controlling terminal)");
    }
    Ok(())
}

/// Reads an optional user file from the config dir and hands it to `load`;
/// a file that cannot be read is reported with the rest.
fn load_config<T>(
    name: &str,
    load: impl FnOnce(Option<(&str, &str)>) -> (T, Vec<config::ConfigError>),
) -> (T, Vec<config::ConfigError>) {
    let Some(path) = config::config_dir().map(|d| d.join(name)) else {
        return load(None);
    };
    let shown = path.display().to_string();
    match config::read_user_file(&path) {
        Ok(text) => load(text.as_deref().map(|t| (shown.as_str(), t))),
        Err(e) => {
            let (value, mut problems) = load(None);
            problems.insert(0, e);
            (value, problems)
        }
    }
}

/// Logs go to a file (never the terminal the UI owns), only when asked for
/// with KOCKPIT_LOG (e.g. `KOCKPIT_LOG=debug`).
fn init_logging() {
    let Ok(filter) = std::env::var("KOCKPIT_LOG") else {
        return;
    };
    let Some(dir) = config::state_dir() else {
        return;
    };
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(dir.join("kockpit.log"));
    let Ok(file) = file else { return };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_ansi(false)
        // Log fields carry servers' text: escaped so `tail` of the file
        // hands a terminal nothing.
        .with_writer(std::sync::Mutex::new(
            kockpit::model::file_text::EscapingWriter(file),
        ))
        .try_init();
}
