//! Hugging Face transformers Whisper checkpoints (`WhisperForConditionalGeneration` saved as
//! safetensors), the form most Danish fine-tunes are published in.
//!
//! Names map one to one onto whisper.cpp's (no fused matrices): `self_attn.{q,k,v,out}_proj`
//! -> `attn.{query,key,value,out}`, `encoder_attn` -> `cross_attn`, `*_layer_norm` -> `*_ln`,
//! `fc1`/`fc2` -> `mlp.0`/`mlp.2`, `final_layer_norm` -> `mlp_ln`, `embed_positions` ->
//! `positional_embedding`, `embed_tokens` -> `token_embedding`, `encoder.layer_norm` ->
//! `ln_post`, `decoder.layer_norm` -> `ln`. `proj_out` is tied to the token embedding and not
//! written. A `k_proj.bias`, if a checkpoint has one, must be zero.
//!
//! A safetensors file is a little-endian `u64` header length, a JSON header
//! `{name: {dtype, shape, data_offsets: [begin, end]}}`, and the data; large checkpoints are
//! split into shards listed in `model.safetensors.index.json`.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::convert::{derive_hparams, Layout, Mapping, OutputType, WhisperSource, ZeroSpec};
use super::ggml::Hparams;
use super::source::{Dtype, SourceModel, SourceTensor};
use super::vocab::load_hf_vocabulary;
use super::ModelError;

/// The single-file checkpoint name.
const SINGLE: &str = "model.safetensors";
/// The shard index name.
const INDEX: &str = "model.safetensors.index.json";

/// Whether `dir` looks like a Hugging Face checkpoint with safetensors weights.
pub fn is_hf_dir(dir: &Path) -> bool {
    dir.join("config.json").is_file() && (dir.join(SINGLE).is_file() || dir.join(INDEX).is_file())
}

#[derive(Deserialize)]
struct Config {
    #[serde(default)]
    model_type: Option<String>,
    #[serde(default)]
    encoder_attention_heads: Option<i32>,
    #[serde(default)]
    decoder_attention_heads: Option<i32>,
}

#[derive(Deserialize)]
struct ShardIndex {
    weight_map: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct HeaderEntry {
    dtype: String,
    shape: Vec<u64>,
    data_offsets: [u64; 2],
}

/// Reads the tensor table of one safetensors file into `tensors` (as file number `file`).
fn read_safetensors(
    path: &Path,
    file: usize,
    tensors: &mut Vec<SourceTensor>,
) -> Result<(), ModelError> {
    let bad = |reason: String| ModelError::Ct2 {
        path: path.to_path_buf(),
        reason: format!("not a valid safetensors file: {reason}"),
    };
    let mut f = File::open(path).map_err(|e| ModelError::io(path, e))?;
    let size = f.metadata().map_err(|e| ModelError::io(path, e))?.len();
    let mut len = [0u8; 8];
    f.read_exact(&mut len)
        .map_err(|_| bad("shorter than 8 bytes".into()))?;
    let header_len = u64::from_le_bytes(len);
    if header_len > 100 << 20 || 8 + header_len > size {
        return Err(bad(format!(
            "header length {header_len} in a {size}-byte file"
        )));
    }
    let mut header = vec![0u8; header_len as usize];
    f.read_exact(&mut header)
        .map_err(|e| ModelError::io(path, e))?;
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&header).map_err(|e| bad(format!("header: {e}")))?;
    let base = 8 + header_len;
    for (name, value) in map {
        if name == "__metadata__" {
            continue;
        }
        let e: HeaderEntry =
            serde_json::from_value(value).map_err(|e| bad(format!("tensor '{name}': {e}")))?;
        let dtype = match e.dtype.as_str() {
            "F32" => Dtype::F32,
            "F16" => Dtype::F16,
            "BF16" => Dtype::BF16,
            "I8" => Dtype::I8,
            "I16" => Dtype::I16,
            "I32" => Dtype::I32,
            other => {
                return Err(ModelError::Ct2Unsupported {
                    path: path.to_path_buf(),
                    reason: format!("tensor '{name}' has type {other}"),
                })
            }
        };
        let [begin, end] = e.data_offsets;
        let elements: u64 = e.shape.iter().product();
        if end < begin || end - begin != elements * dtype.size() || base + end > size {
            return Err(bad(format!(
                "tensor '{name}' of shape {:?} has data {begin}..{end} (file is {size} bytes; truncated?)",
                e.shape
            )));
        }
        tensors.push(SourceTensor {
            name,
            dims: e.shape,
            dtype,
            file,
            offset: base + begin,
            nbytes: end - begin,
            small: None,
        });
    }
    Ok(())
}

/// Loads a Hugging Face Whisper checkpoint's tensor table, hyper-parameters and vocabulary.
pub(crate) fn load_hf(dir: &Path, ty: OutputType) -> Result<WhisperSource, ModelError> {
    let config_path = dir.join("config.json");
    let text =
        std::fs::read_to_string(&config_path).map_err(|e| ModelError::io(&config_path, e))?;
    let config: Config = serde_json::from_str(&text).map_err(|e| ModelError::Ct2 {
        path: config_path.clone(),
        reason: format!("invalid config.json: {e}"),
    })?;
    if let Some(mt) = &config.model_type {
        if mt != "whisper" {
            return Err(ModelError::Ct2Unsupported {
                path: config_path,
                reason: format!("model_type is '{mt}', not whisper"),
            });
        }
    }
    let files: Vec<PathBuf> = if dir.join(SINGLE).is_file() {
        vec![dir.join(SINGLE)]
    } else {
        let index_path = dir.join(INDEX);
        let text =
            std::fs::read_to_string(&index_path).map_err(|e| ModelError::io(&index_path, e))?;
        let index: ShardIndex = serde_json::from_str(&text).map_err(|e| ModelError::Ct2 {
            path: index_path.clone(),
            reason: format!("invalid shard index: {e}"),
        })?;
        let names: BTreeSet<&String> = index.weight_map.values().collect();
        let mut files = Vec::new();
        for n in names {
            let p = dir.join(n);
            if n.contains('/') || n.contains('\\') || !p.is_file() {
                return Err(ModelError::MissingFile {
                    dir: dir.to_path_buf(),
                    what: format!("shard {n} (listed in {INDEX})"),
                });
            }
            files.push(p);
        }
        files
    };
    let mut tensors = Vec::new();
    for (i, f) in files.iter().enumerate() {
        read_safetensors(f, i, &mut tensors)?;
    }
    let model = SourceModel::new(dir.to_path_buf(), files, tensors);
    // WhisperForConditionalGeneration prefixes "model."; WhisperModel does not.
    let prefix = if model.get("model.encoder.conv1.weight").is_some() {
        "model."
    } else {
        ""
    };
    let layout = Layout {
        embeddings: format!("{prefix}decoder.embed_tokens.weight"),
        enc_pos: format!("{prefix}encoder.embed_positions.weight"),
        dec_pos: format!("{prefix}decoder.embed_positions.weight"),
        conv1: format!("{prefix}encoder.conv1.weight"),
        layer_probe: &|side, i| format!("{prefix}{side}.layers.{i}.self_attn.q_proj.weight"),
        encoder: "encoder",
        decoder: "decoder",
    };
    let hparams = derive_hparams(
        &model,
        &layout,
        config.encoder_attention_heads,
        config.decoder_attention_heads,
        ty,
    )?;
    let (map, zero) = hf_mapping(&hparams, prefix, &model);
    let vocab = load_hf_vocabulary(dir)?;
    Ok(WhisperSource {
        model,
        hparams,
        map,
        zero,
        vocab,
        format: "Hugging Face",
    })
}

/// Hugging Face's names for every tensor whisper.cpp needs.
fn hf_mapping(h: &Hparams, p: &str, model: &SourceModel) -> (Vec<Mapping>, Vec<ZeroSpec>) {
    let mut map: Vec<Mapping> = Vec::new();
    let mut zero: Vec<ZeroSpec> = Vec::new();
    let mut add = |g: String, s: String| map.push((g, s, 0, 1));
    add(
        "encoder.positional_embedding".into(),
        format!("{p}encoder.embed_positions.weight"),
    );
    for conv in ["conv1", "conv2"] {
        for wb in ["weight", "bias"] {
            add(
                format!("encoder.{conv}.{wb}"),
                format!("{p}encoder.{conv}.{wb}"),
            );
        }
    }
    add(
        "encoder.ln_post.weight".into(),
        format!("{p}encoder.layer_norm.weight"),
    );
    add(
        "encoder.ln_post.bias".into(),
        format!("{p}encoder.layer_norm.bias"),
    );
    add(
        "decoder.positional_embedding".into(),
        format!("{p}decoder.embed_positions.weight"),
    );
    add(
        "decoder.token_embedding.weight".into(),
        format!("{p}decoder.embed_tokens.weight"),
    );
    add(
        "decoder.ln.weight".into(),
        format!("{p}decoder.layer_norm.weight"),
    );
    add(
        "decoder.ln.bias".into(),
        format!("{p}decoder.layer_norm.bias"),
    );
    let mut block = |g: &str, s: &str, attn: &[(&str, &str, &str)]| {
        let mut pairs: Vec<(String, String)> = vec![
            ("mlp_ln".into(), "final_layer_norm".into()),
            ("mlp.0".into(), "fc1".into()),
            ("mlp.2".into(), "fc2".into()),
        ];
        for (g_attn, s_attn, ln) in attn {
            pairs.push((format!("{g_attn}_ln"), ln.to_string()));
            pairs.push((format!("{g_attn}.query"), format!("{s_attn}.q_proj")));
            pairs.push((format!("{g_attn}.value"), format!("{s_attn}.v_proj")));
            pairs.push((format!("{g_attn}.out"), format!("{s_attn}.out_proj")));
            map.push((
                format!("{g}.{g_attn}.key.weight"),
                format!("{s}.{s_attn}.k_proj.weight"),
                0,
                1,
            ));
            let k_bias = format!("{s}.{s_attn}.k_proj.bias");
            if model.get(&k_bias).is_some() {
                zero.push((k_bias, 0, 1));
            }
        }
        for (gn, sn) in pairs {
            for wb in ["weight", "bias"] {
                map.push((format!("{g}.{gn}.{wb}"), format!("{s}.{sn}.{wb}"), 0, 1));
            }
        }
    };
    for i in 0..h.n_audio_layer {
        block(
            &format!("encoder.blocks.{i}"),
            &format!("{p}encoder.layers.{i}"),
            &[("attn", "self_attn", "self_attn_layer_norm")],
        );
    }
    for i in 0..h.n_text_layer {
        block(
            &format!("decoder.blocks.{i}"),
            &format!("{p}decoder.layers.{i}"),
            &[
                ("attn", "self_attn", "self_attn_layer_norm"),
                ("cross_attn", "encoder_attn", "encoder_attn_layer_norm"),
            ],
        );
    }
    (map, zero)
}
