use std::process::ExitCode;

use clap::{CommandFactory, Parser};

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
    // A TAB in the shell: answer with candidates and exit (completions.rs).
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(kockpit::cluster::completions::VAR)
        .complete();
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Completions { shell }) => {
            return print_with(|out| kockpit::cluster::completions::write_script(*shell, out))
        }
        Some(Command::Man) => {
            return print_with(|out| clap_mangen::Man::new(Cli::command()).render(out))
        }
        _ => {}
    }
    kockpit::logging::init(config::state_dir().as_deref());
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
        flags: cli.connection.clone(),
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

/// Writes a generated text (a completion script, the man page) to stdout.
fn print_with(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match write(&mut out).and_then(|()| std::io::Write::flush(&mut out)) {
        Ok(()) => ExitCode::SUCCESS,
        // `kockpit man | head`: the reader has all it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kockpit: cannot write to stdout: {e}");
            ExitCode::FAILURE
        }
    }
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
