//! CTranslate2 (faster-whisper) model directory -> whisper.cpp ggml file, in f16 or q8_0.
//!
//! The conversion is a re-labelling plus a few reshapes; no arithmetic touches the weights
//! beyond the change of storage type:
//! - self-attention `linear_0` is fused q|k|v (`[3d, d]`): split into query, key and value;
//!   Whisper's key has no bias, CT2 stores zeros there, which are checked and dropped;
//! - cross-attention (`attention`): `linear_0` = query, `linear_1` = fused k|v, `linear_2` =
//!   out; self-attention `linear_1` = out; FFN `linear_0`/`linear_1` = `mlp.0`/`mlp.2`;
//! - layer norms `gamma`/`beta` = weight/bias; position encodings are copied; the tied output
//!   projection (an alias of the token embedding) is not written, whisper.cpp reuses the
//!   embedding;
//! - both formats store linear weights `[out, in]` row-major, so ggml's reversed dimension
//!   order needs no transpose;
//! - types as whisper.cpp 1.8 allocates them: 1-D tensors, position embeddings and conv biases
//!   (as `[1, d]`) in f32, conv kernels f16, other 2-D weights f16 or q8_0.
//!
//! The header also carries the mel filter bank (computed, see [`super::mel`]) and the
//! vocabulary as raw bytes (see [`super::vocab`]). Tensors are streamed in chunks, so memory
//! stays small whatever the model size; the output is written to a temporary file next to the
//! target, validated, and renamed into place.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use half::{bf16, f16};
use sha2::{Digest, Sha256};

use super::ct2::Ct2Model;
use super::ggml::{
    expected_tensors, read_ggml, ExpectedTensor, GgmlInfo, GgmlType, Hparams, GGML_MAGIC,
    GGML_QNT_VERSION, GGML_QNT_VERSION_FACTOR, WHISPER_N_FFT_BINS,
};
use super::progress::{Progress, Step};
use super::source::{Dtype, SourceModel, SourceReader};
use super::vocab::{find_vocabulary, load_vocabulary, Vocabulary};
use super::{mel, ModelError};

/// Elements converted per chunk (bounds memory use).
const CHUNK_ELEMENTS: u64 = 1 << 20;

/// The weight type of a converted model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputType {
    /// 16-bit floats: exact for the f16 source weights, about 2 bytes per weight.
    F16,
    /// 8-bit blocks (32 weights, one f16 scale): about 1.06 bytes per weight, faster on CPU,
    /// practically the same accuracy.
    Q8_0,
}

impl OutputType {
    /// Both types, in the order they are usually produced.
    pub const ALL: [OutputType; 2] = [OutputType::Q8_0, OutputType::F16];

    /// The name used in file names and on the command line ("f16", "q8_0").
    pub fn name(self) -> &'static str {
        match self {
            OutputType::F16 => "f16",
            OutputType::Q8_0 => "q8_0",
        }
    }

    /// The storage type of the big weights.
    pub fn ggml_type(self) -> GgmlType {
        match self {
            OutputType::F16 => GgmlType::F16,
            OutputType::Q8_0 => GgmlType::Q8_0,
        }
    }

    /// The header `ftype` value (quantised types carry the ggml quantisation version).
    pub fn ftype(self) -> i32 {
        match self {
            OutputType::F16 => 1,
            OutputType::Q8_0 => GGML_QNT_VERSION * GGML_QNT_VERSION_FACTOR + 7,
        }
    }
}

impl fmt::Display for OutputType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OutputType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "f16" => Ok(OutputType::F16),
            "q8_0" | "q8" => Ok(OutputType::Q8_0),
            other => Err(format!("unknown model type '{other}' (use f16 or q8_0)")),
        }
    }
}

/// What a conversion produced.
#[derive(Debug, Clone)]
pub struct ConvertReport {
    /// The written ggml file.
    pub output: PathBuf,
    /// Its weight type.
    pub output_type: OutputType,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its sha256 (hex).
    pub sha256: String,
    /// Tensors written.
    pub tensors: usize,
    /// Wall time of the conversion.
    pub elapsed: Duration,
    /// The validated header facts of the output.
    pub info: GgmlInfo,
}

/// Converts the CTranslate2 Whisper model in `src_dir` (`model.bin`, `vocabulary.txt` or
/// `.json`) to a whisper.cpp ggml file at `output`, replacing it atomically.
pub fn convert_ct2(
    src_dir: &Path,
    output: &Path,
    ty: OutputType,
    progress: &mut dyn Progress,
) -> Result<ConvertReport, ModelError> {
    let started = Instant::now();
    let src = load_ct2(src_dir, ty)?;
    write_ggml(&src, output, ty, progress, started)
}

/// Converts a Hugging Face transformers Whisper checkpoint in `src_dir` (`config.json`,
/// `model.safetensors` or sharded `model-*.safetensors` with their index, and `vocab.json` or
/// `tokenizer.json`) to a whisper.cpp ggml file at `output`, replacing it atomically.
pub fn convert_hf(
    src_dir: &Path,
    output: &Path,
    ty: OutputType,
    progress: &mut dyn Progress,
) -> Result<ConvertReport, ModelError> {
    let started = Instant::now();
    let src = super::hf::load_hf(src_dir, ty)?;
    write_ggml(&src, output, ty, progress, started)
}

/// The source formats the converter reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// CTranslate2 / faster-whisper (`model.bin`).
    Ct2,
    /// Hugging Face transformers (`*.safetensors`).
    HuggingFace,
}

/// Which converter a directory needs, if any.
pub fn detect_format(dir: &Path) -> Option<SourceFormat> {
    if dir.join("model.bin").is_file() {
        Some(SourceFormat::Ct2)
    } else if super::hf::is_hf_dir(dir) {
        Some(SourceFormat::HuggingFace)
    } else {
        None
    }
}

/// Converts a CTranslate2 or Hugging Face model directory, whichever `src_dir` holds.
pub fn convert_dir(
    src_dir: &Path,
    output: &Path,
    ty: OutputType,
    progress: &mut dyn Progress,
) -> Result<ConvertReport, ModelError> {
    match detect_format(src_dir) {
        Some(SourceFormat::Ct2) => convert_ct2(src_dir, output, ty, progress),
        Some(SourceFormat::HuggingFace) => convert_hf(src_dir, output, ty, progress),
        None => Err(ModelError::NotImportable {
            path: src_dir.to_path_buf(),
            reason: "neither a CTranslate2 model (model.bin) nor a Hugging Face checkpoint (config.json + model.safetensors)".into(),
        }),
    }
}

/// `(whisper.cpp name, source name, part, number of parts)`: the tensor is part `part` of the
/// source split evenly along its first dimension.
pub(crate) type Mapping = (String, String, u64, u64);
/// `(source name, part, number of parts)` of a bias slice that must be zero.
pub(crate) type ZeroSpec = (String, u64, u64);

/// A Whisper model ready to be written as ggml.
pub(crate) struct WhisperSource {
    pub(crate) model: SourceModel,
    pub(crate) hparams: Hparams,
    pub(crate) map: Vec<Mapping>,
    pub(crate) zero: Vec<ZeroSpec>,
    pub(crate) vocab: Vocabulary,
    pub(crate) format: &'static str,
}

fn load_ct2(src_dir: &Path, ty: OutputType) -> Result<WhisperSource, ModelError> {
    let model_bin = src_dir.join("model.bin");
    if !model_bin.is_file() {
        return Err(ModelError::MissingFile {
            dir: src_dir.to_path_buf(),
            what: "model.bin (a CTranslate2 model)".into(),
        });
    }
    let vocab = load_vocabulary(&find_vocabulary(src_dir)?)?;
    let ct2 = Ct2Model::open(&model_bin)?;
    if ct2.spec != "WhisperSpec" {
        return Err(ModelError::Ct2Unsupported {
            path: ct2.path.clone(),
            reason: format!("model spec is '{}', not a Whisper model", ct2.spec),
        });
    }
    let model = ct2.into_source();
    let heads = |name: &str| {
        model
            .get(name)
            .and_then(|v| v.scalar_int())
            .map(|h| h as i32)
    };
    let layout = Layout {
        embeddings: "decoder/embeddings/weight".into(),
        enc_pos: "encoder/position_encodings/encodings".into(),
        dec_pos: "decoder/position_encodings/encodings".into(),
        conv1: "encoder/conv1/weight".into(),
        layer_probe: &|side, i| format!("{side}/layer_{i}/self_attention/linear_0/weight"),
        encoder: "encoder",
        decoder: "decoder",
    };
    let hparams = derive_hparams(
        &model,
        &layout,
        heads("encoder/num_heads"),
        heads("decoder/num_heads"),
        ty,
    )?;
    let (map, zero) = ct2_mapping(&hparams);
    Ok(WhisperSource {
        model,
        hparams,
        map,
        zero,
        vocab,
        format: "CTranslate2",
    })
}

/// Writes a planned Whisper model as ggml through a temporary file next to `output`.
fn write_ggml(
    src: &WhisperSource,
    output: &Path,
    ty: OutputType,
    progress: &mut dyn Progress,
    started: Instant,
) -> Result<ConvertReport, ModelError> {
    let model = &src.model;
    let hparams = src.hparams;
    let vocab = &src.vocab;
    if vocab.total != hparams.n_vocab as usize {
        tracing::warn!(
            vocabulary = vocab.total,
            embedding = hparams.n_vocab,
            "vocabulary size differs from the token embedding"
        );
    }
    let plan = plan(model, &hparams, ty, &src.map, &src.zero)?;
    let mut reader = SourceReader::new(model);
    check_zero_key_biases(model, &mut reader, &plan.zero_checks)?;

    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| ModelError::io(&dir, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".dikta-convert-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| ModelError::io(&dir, e))?;
    let tmp_path = tmp.path().to_path_buf();
    let wio = |e: std::io::Error| ModelError::io(&tmp_path, e);

    let mut w = HashWriter::new(BufWriter::with_capacity(1 << 20, tmp));
    // Header.
    w.write_all(&GGML_MAGIC.to_le_bytes()).map_err(wio)?;
    for v in hparams.to_array() {
        w.write_all(&v.to_le_bytes()).map_err(wio)?;
    }
    let filters = mel::mel_filters(hparams.n_mels as usize);
    w.write_all(&hparams.n_mels.to_le_bytes()).map_err(wio)?;
    w.write_all(&WHISPER_N_FFT_BINS.to_le_bytes())
        .map_err(wio)?;
    for v in &filters {
        w.write_all(&v.to_le_bytes()).map_err(wio)?;
    }
    w.write_all(&(vocab.tokens.len() as i32).to_le_bytes())
        .map_err(wio)?;
    for t in &vocab.tokens {
        w.write_all(&(t.len() as u32).to_le_bytes()).map_err(wio)?;
        w.write_all(t).map_err(wio)?;
    }

    // Tensors, in source order so the source is read front to back.
    let total: u64 = plan.tensors.iter().map(|t| t.source_bytes(model)).sum();
    progress.start(&Step::Convert(ty), Some(total));
    let mut scales_cache: HashMap<usize, Vec<f32>> = HashMap::new();
    for t in &plan.tensors {
        write_tensor(
            &mut w,
            &tmp_path,
            &mut reader,
            model,
            t,
            &mut scales_cache,
            progress,
        )?;
    }
    progress.finish();

    let (bytes, sha256, buf) = w.finish();
    let tmp = buf
        .into_inner()
        .map_err(|e| ModelError::io(&tmp_path, e.into_error()))?;
    tmp.as_file().sync_all().map_err(wio)?;
    make_readable(&tmp_path);
    let file = read_ggml(&tmp_path)?;
    tmp.persist(output)
        .map_err(|e| ModelError::io(output, e.error))?;
    let mut info = file.info;
    info.path = output.to_path_buf();
    tracing::info!(
        output = %output.display(),
        ty = ty.name(),
        bytes,
        elapsed_ms = started.elapsed().as_millis() as u64,
        source = src.format,
        "converted model to ggml"
    );
    Ok(ConvertReport {
        output: output.to_path_buf(),
        output_type: ty,
        bytes,
        sha256,
        tensors: plan.tensors.len(),
        elapsed: started.elapsed(),
        info,
    })
}

/// Temporary files are created private (0600); a model file is for every user of the machine.
pub(crate) fn make_readable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)) {
            tracing::debug!(error = %e, "cannot make model file world-readable");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Where a source format keeps the tensors whose shapes give the hyper-parameters.
pub(crate) struct Layout<'a> {
    pub(crate) embeddings: String,
    pub(crate) enc_pos: String,
    pub(crate) dec_pos: String,
    pub(crate) conv1: String,
    /// Name of a tensor every layer `i` of side `encoder`/`decoder` has.
    pub(crate) layer_probe: &'a dyn Fn(&str, i32) -> String,
    pub(crate) encoder: &'a str,
    pub(crate) decoder: &'a str,
}

/// Derives whisper.cpp's hyper-parameters from tensor shapes (heads from the source's own
/// record when it has one, else width / 64 as in every Whisper size).
pub(crate) fn derive_hparams(
    model: &SourceModel,
    layout: &Layout<'_>,
    audio_heads: Option<i32>,
    text_heads: Option<i32>,
    ty: OutputType,
) -> Result<Hparams, ModelError> {
    let dims = |name: &str, rank: usize| -> Result<Vec<u64>, ModelError> {
        let v = model.get(name).ok_or_else(|| ModelError::Ct2 {
            path: model.path.clone(),
            reason: format!("tensor '{name}' is missing"),
        })?;
        if v.dims.len() != rank || v.dims.iter().any(|&d| d == 0 || d > i32::MAX as u64) {
            return Err(ModelError::Ct2 {
                path: model.path.clone(),
                reason: format!("tensor '{name}' has shape {:?}", v.dims),
            });
        }
        Ok(v.dims.clone())
    };
    let emb = dims(&layout.embeddings, 2)?;
    let enc_pos = dims(&layout.enc_pos, 2)?;
    let dec_pos = dims(&layout.dec_pos, 2)?;
    let conv1 = dims(&layout.conv1, 3)?;
    let count_layers = |side: &str| {
        (0..)
            .take_while(|&i| model.get(&(layout.layer_probe)(side, i)).is_some())
            .count() as i32
    };
    let n_audio_layer = count_layers(layout.encoder);
    let n_text_layer = count_layers(layout.decoder);
    let n_state = conv1[0] as i32;
    let h = Hparams {
        n_vocab: emb[0] as i32,
        n_audio_ctx: enc_pos[0] as i32,
        n_audio_state: n_state,
        n_audio_head: audio_heads.unwrap_or(n_state / 64),
        n_audio_layer,
        n_text_ctx: dec_pos[0] as i32,
        n_text_state: emb[1] as i32,
        n_text_head: text_heads.unwrap_or(n_state / 64),
        n_text_layer,
        n_mels: conv1[1] as i32,
        ftype: ty.ftype(),
    };
    let bad = |reason: String| ModelError::Ct2Unsupported {
        path: model.path.clone(),
        reason,
    };
    if n_audio_layer == 0 || n_text_layer == 0 {
        return Err(bad("no encoder or decoder layers found".into()));
    }
    if h.n_text_state != h.n_audio_state
        || enc_pos[1] as i32 != n_state
        || dec_pos[1] as i32 != n_state
    {
        return Err(bad(format!(
            "inconsistent model widths (encoder {n_state}, decoder {}, positions {} / {})",
            h.n_text_state, enc_pos[1], dec_pos[1]
        )));
    }
    if h.n_audio_head <= 0
        || h.n_text_head <= 0
        || n_state % h.n_audio_head != 0
        || n_state % h.n_text_head != 0
    {
        return Err(bad(format!(
            "head counts {} / {} do not divide the width {n_state}",
            h.n_audio_head, h.n_text_head
        )));
    }
    if ty == OutputType::Q8_0 && n_state % 32 != 0 {
        return Err(bad(format!(
            "width {n_state} is not a multiple of 32, q8_0 is impossible; use f16"
        )));
    }
    Ok(h)
}

/// One output tensor and where its data comes from.
#[derive(Debug, Clone)]
struct PlannedTensor {
    name: String,
    ne: Vec<u64>,
    ttype: GgmlType,
    /// Source variable index.
    var: usize,
    /// First source element.
    start: u64,
    /// Number of elements.
    count: u64,
    /// Index of the `weight_scale` variable of an int8 source.
    scale: Option<usize>,
    /// Elements per source row (the last CT2 dimension), to find an int8 row's scale.
    src_row: u64,
}

impl PlannedTensor {
    fn source_bytes(&self, model: &SourceModel) -> u64 {
        self.count * model.tensors[self.var].dtype.size()
    }
}

/// A slice of a bias that must be zero (Whisper's keys have no bias).
#[derive(Debug, Clone)]
struct ZeroCheck {
    var: usize,
    start: u64,
    count: u64,
}

struct Plan {
    tensors: Vec<PlannedTensor>,
    zero_checks: Vec<ZeroCheck>,
}

/// CTranslate2's names for every tensor whisper.cpp needs (see the module docs).
fn ct2_mapping(h: &Hparams) -> (Vec<Mapping>, Vec<ZeroSpec>) {
    let mut map: Vec<(String, String, u64, u64)> = Vec::new();
    let mut zero: Vec<(String, u64, u64)> = Vec::new();
    let mut add = |g: String, c: String| map.push((g, c, 0, 1));
    add(
        "encoder.positional_embedding".into(),
        "encoder/position_encodings/encodings".into(),
    );
    for conv in ["conv1", "conv2"] {
        add(
            format!("encoder.{conv}.weight"),
            format!("encoder/{conv}/weight"),
        );
        add(
            format!("encoder.{conv}.bias"),
            format!("encoder/{conv}/bias"),
        );
    }
    add(
        "encoder.ln_post.weight".into(),
        "encoder/layer_norm/gamma".into(),
    );
    add(
        "encoder.ln_post.bias".into(),
        "encoder/layer_norm/beta".into(),
    );
    add(
        "decoder.positional_embedding".into(),
        "decoder/position_encodings/encodings".into(),
    );
    add(
        "decoder.token_embedding.weight".into(),
        "decoder/embeddings/weight".into(),
    );
    add(
        "decoder.ln.weight".into(),
        "decoder/layer_norm/gamma".into(),
    );
    add("decoder.ln.bias".into(), "decoder/layer_norm/beta".into());

    let common = |map: &mut Vec<(String, String, u64, u64)>,
                  zero: &mut Vec<(String, u64, u64)>,
                  g: &str,
                  c: &str| {
        let pairs = [
            ("attn_ln.weight", "self_attention/layer_norm/gamma"),
            ("attn_ln.bias", "self_attention/layer_norm/beta"),
            ("attn.out.weight", "self_attention/linear_1/weight"),
            ("attn.out.bias", "self_attention/linear_1/bias"),
            ("mlp_ln.weight", "ffn/layer_norm/gamma"),
            ("mlp_ln.bias", "ffn/layer_norm/beta"),
            ("mlp.0.weight", "ffn/linear_0/weight"),
            ("mlp.0.bias", "ffn/linear_0/bias"),
            ("mlp.2.weight", "ffn/linear_1/weight"),
            ("mlp.2.bias", "ffn/linear_1/bias"),
        ];
        for (gs, cs) in pairs {
            map.push((format!("{g}.{gs}"), format!("{c}/{cs}"), 0, 1));
        }
        let qkv_w = format!("{c}/self_attention/linear_0/weight");
        let qkv_b = format!("{c}/self_attention/linear_0/bias");
        map.push((format!("{g}.attn.query.weight"), qkv_w.clone(), 0, 3));
        map.push((format!("{g}.attn.key.weight"), qkv_w.clone(), 1, 3));
        map.push((format!("{g}.attn.value.weight"), qkv_w, 2, 3));
        map.push((format!("{g}.attn.query.bias"), qkv_b.clone(), 0, 3));
        map.push((format!("{g}.attn.value.bias"), qkv_b.clone(), 2, 3));
        zero.push((qkv_b, 1, 3));
    };
    for i in 0..h.n_audio_layer {
        common(
            &mut map,
            &mut zero,
            &format!("encoder.blocks.{i}"),
            &format!("encoder/layer_{i}"),
        );
    }
    for i in 0..h.n_text_layer {
        let g = format!("decoder.blocks.{i}");
        let c = format!("decoder/layer_{i}");
        common(&mut map, &mut zero, &g, &c);
        let pairs = [
            ("cross_attn_ln.weight", "attention/layer_norm/gamma", 0, 1),
            ("cross_attn_ln.bias", "attention/layer_norm/beta", 0, 1),
            ("cross_attn.query.weight", "attention/linear_0/weight", 0, 1),
            ("cross_attn.query.bias", "attention/linear_0/bias", 0, 1),
            ("cross_attn.key.weight", "attention/linear_1/weight", 0, 2),
            ("cross_attn.value.weight", "attention/linear_1/weight", 1, 2),
            ("cross_attn.value.bias", "attention/linear_1/bias", 1, 2),
            ("cross_attn.out.weight", "attention/linear_2/weight", 0, 1),
            ("cross_attn.out.bias", "attention/linear_2/bias", 0, 1),
        ];
        for (gs, cs, part, parts) in pairs {
            map.push((format!("{g}.{gs}"), format!("{c}/{cs}"), part, parts));
        }
        zero.push((format!("{c}/attention/linear_1/bias"), 0, 2));
    }

    (map, zero)
}

/// Maps every tensor whisper.cpp needs to its source slice, checking shapes and types.
fn plan(
    model: &SourceModel,
    h: &Hparams,
    ty: OutputType,
    map: &[Mapping],
    zero: &[ZeroSpec],
) -> Result<Plan, ModelError> {
    let expected = expected_tensors(h, ty.ggml_type());
    let by_name: HashMap<&str, &ExpectedTensor> =
        expected.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut plan = Plan {
        tensors: Vec::with_capacity(expected.len()),
        zero_checks: Vec::new(),
    };
    let path = &model.path;
    let missing = |name: &str| ModelError::Ct2 {
        path: path.clone(),
        reason: format!("tensor '{name}' is missing"),
    };
    for (gname, cname, part, parts) in map.iter().cloned() {
        let exp = by_name
            .get(gname.as_str())
            .ok_or_else(|| ModelError::Ct2Unsupported {
                path: path.clone(),
                reason: format!("internal: no whisper.cpp tensor '{gname}'"),
            })?;
        let var = model.index_of(&cname).ok_or_else(|| missing(&cname))?;
        let v = &model.tensors[var];
        let total = v.elements();
        let wrong_shape = || {
            ModelError::Ct2Unsupported {
            path: path.clone(),
            reason: format!(
                "variable '{cname}' has shape {:?}, which does not give whisper.cpp's '{gname}' {:?}",
                v.dims, exp.ne
            ),
        }
        };
        if v.dims.is_empty() || !total.is_multiple_of(parts) || !v.dims[0].is_multiple_of(parts) {
            return Err(wrong_shape());
        }
        let count = total / parts;
        if count != exp.ne.iter().product::<u64>() {
            return Err(wrong_shape());
        }
        if v.dims.len() >= 2 {
            let mut rev: Vec<u64> = v.dims.iter().rev().copied().collect();
            if let Some(last) = rev.last_mut() {
                *last /= parts;
            }
            if rev != exp.ne {
                return Err(wrong_shape());
            }
        }
        let scale = match v.dtype {
            Dtype::F32 | Dtype::F16 | Dtype::BF16 => None,
            Dtype::I8 => {
                let sname = format!("{cname}_scale");
                Some(
                    model
                        .index_of(&sname)
                        .ok_or_else(|| ModelError::Ct2Unsupported {
                            path: path.clone(),
                            reason: format!("int8 variable '{cname}' has no '{sname}'"),
                        })?,
                )
            }
            other => {
                return Err(ModelError::Ct2Unsupported {
                    path: path.clone(),
                    reason: format!(
                        "variable '{cname}' is {}; convert the model with float16 or int8 weights",
                        other.name()
                    ),
                })
            }
        };
        plan.tensors.push(PlannedTensor {
            name: gname,
            ne: exp.ne.clone(),
            ttype: exp.ttype,
            var,
            start: part * count,
            count,
            scale,
            src_row: *v.dims.last().unwrap_or(&1),
        });
    }
    for (cname, part, parts) in zero.iter().cloned() {
        let var = model.index_of(&cname).ok_or_else(|| missing(&cname))?;
        let count = model.tensors[var].elements() / parts;
        plan.zero_checks.push(ZeroCheck {
            var,
            start: part * count,
            count,
        });
    }
    if plan.tensors.len() != expected.len() {
        return Err(ModelError::Ct2Unsupported {
            path: path.clone(),
            reason: format!(
                "internal: planned {} tensors, whisper.cpp expects {}",
                plan.tensors.len(),
                expected.len()
            ),
        });
    }
    let known: std::collections::HashSet<&str> = plan
        .tensors
        .iter()
        .map(|t| model.tensors[t.var].name.as_str())
        .collect();
    for v in &model.tensors {
        if v.small.is_none() && !known.contains(v.name.as_str()) && !v.name.ends_with("_scale") {
            tracing::debug!(variable = %v.name, "CT2 variable not used by whisper.cpp");
        }
    }
    plan.tensors
        .sort_by_key(|t| model.tensors[t.var].offset + t.start * model.tensors[t.var].dtype.size());
    Ok(plan)
}

/// Whisper's attention keys have no bias; CT2 stores zeros. Anything else is not a Whisper
/// model whisper.cpp can run.
fn check_zero_key_biases(
    model: &SourceModel,
    reader: &mut SourceReader<'_>,
    checks: &[ZeroCheck],
) -> Result<(), ModelError> {
    for c in checks {
        let v = &model.tensors[c.var];
        if v.dtype == Dtype::I8 {
            continue; // int8 biases do not occur; nothing sensible to check
        }
        let size = v.dtype.size();
        let bytes = reader.read(v, v.offset + c.start * size, (c.count * size) as usize)?;
        let mut values = Vec::new();
        decode(v.dtype, &bytes, 0, 1, None, &mut values);
        if let Some(x) = values.iter().find(|x| **x != 0.0) {
            return Err(ModelError::Ct2Unsupported {
                path: model.path.clone(),
                reason: format!(
                    "'{}' has a non-zero key bias ({x}); Whisper keys have none, so this is not a Whisper model whisper.cpp can run",
                    v.name
                ),
            });
        }
    }
    Ok(())
}

/// Writes one tensor header and its data, converting chunk by chunk.
fn write_tensor<W: Write>(
    w: &mut W,
    out_path: &Path,
    src: &mut SourceReader<'_>,
    model: &SourceModel,
    t: &PlannedTensor,
    scales_cache: &mut HashMap<usize, Vec<f32>>,
    progress: &mut dyn Progress,
) -> Result<(), ModelError> {
    let wio = |e: std::io::Error| ModelError::io(out_path, e);
    w.write_all(&(t.ne.len() as i32).to_le_bytes())
        .map_err(wio)?;
    w.write_all(&(t.name.len() as i32).to_le_bytes())
        .map_err(wio)?;
    w.write_all(&t.ttype.id().to_le_bytes()).map_err(wio)?;
    for d in &t.ne {
        w.write_all(&(*d as i32).to_le_bytes()).map_err(wio)?;
    }
    w.write_all(t.name.as_bytes()).map_err(wio)?;

    let v = &model.tensors[t.var];
    let scales: Option<&[f32]> = match t.scale {
        Some(si) => match scales_cache.entry(si) {
            std::collections::hash_map::Entry::Occupied(e) => Some(e.into_mut().as_slice()),
            std::collections::hash_map::Entry::Vacant(e) => {
                let sv = &model.tensors[si];
                let bytes = src.read(sv, sv.offset, sv.nbytes as usize)?;
                let mut s = Vec::new();
                decode(sv.dtype, &bytes, 0, 1, None, &mut s);
                Some(e.insert(s).as_slice())
            }
        },
        None => None,
    };
    let size = v.dtype.size();
    let row = t.ne[0].max(1);
    let chunk = (CHUNK_ELEMENTS / row).max(1) * row;
    let mut done = 0u64;
    let mut values: Vec<f32> = Vec::new();
    let mut out: Vec<u8> = Vec::new();
    while done < t.count {
        let n = chunk.min(t.count - done);
        let first = t.start + done;
        let bytes = src.read(v, v.offset + first * size, (n * size) as usize)?;
        out.clear();
        if v.dtype == Dtype::F16 && t.ttype == GgmlType::F16 {
            w.write_all(&bytes).map_err(wio)?;
        } else {
            values.clear();
            decode(v.dtype, &bytes, first, t.src_row, scales, &mut values);
            encode(t.ttype, &values, &mut out);
            w.write_all(&out).map_err(wio)?;
        }
        done += n;
        progress.advance(n * size);
    }
    Ok(())
}

/// Decodes little-endian source elements to f32; int8 values are divided by their row's scale.
fn decode(
    dtype: Dtype,
    bytes: &[u8],
    first: u64,
    row: u64,
    scales: Option<&[f32]>,
    out: &mut Vec<f32>,
) {
    match dtype {
        Dtype::F32 => out.extend(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        ),
        Dtype::F16 => out.extend(
            bytes
                .chunks_exact(2)
                .map(|c| f16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32()),
        ),
        Dtype::BF16 => out.extend(
            bytes
                .chunks_exact(2)
                .map(|c| bf16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32()),
        ),
        Dtype::I8 => {
            let scales = scales.unwrap_or(&[]);
            out.extend(bytes.iter().enumerate().map(|(i, &b)| {
                let r = ((first + i as u64) / row.max(1)) as usize;
                let s = match scales.len() {
                    0 => 1.0,
                    1 => scales[0],
                    _ => scales.get(r).copied().unwrap_or(1.0),
                };
                (b as i8) as f32 / if s == 0.0 { 1.0 } else { s }
            }))
        }
        Dtype::I16 => out.extend(
            bytes
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]) as f32),
        ),
        Dtype::I32 => out.extend(
            bytes
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32),
        ),
    }
}

/// Encodes f32 values in a ggml storage type (f32, f16 or q8_0; rows are whole blocks).
fn encode(ttype: GgmlType, values: &[f32], out: &mut Vec<u8>) {
    match ttype {
        GgmlType::F32 => {
            for v in values {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        GgmlType::Q8_0 => quantize_q8_0(values, out),
        // Only f32, f16 and q8_0 are planned; f16 is the safe fallback.
        _ => {
            for v in values {
                out.extend_from_slice(&f16::from_f32(*v).to_bits().to_le_bytes());
            }
        }
    }
}

/// ggml's reference q8_0 quantisation (`quantize_row_q8_0_ref`): per block of 32, scale
/// `d = max|x| / 127` stored as f16, then `round(x / d)` as i8.
pub fn quantize_q8_0(values: &[f32], out: &mut Vec<u8>) {
    for block in values.chunks(32) {
        let amax = block.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&f16::from_f32(d).to_bits().to_le_bytes());
        for v in block {
            out.push((v * id).round() as i8 as u8);
        }
        for _ in block.len()..32 {
            out.push(0);
        }
    }
}

/// A writer that counts and hashes what passes through it.
struct HashWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> HashWriter<W> {
    fn new(inner: W) -> Self {
        HashWriter {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    fn finish(self) -> (u64, String, W) {
        (self.count, hex::encode(self.hasher.finalize()), self.inner)
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
