//! The whisper.cpp ggml model file: layout, the tensor table whisper.cpp 1.8 expects, and a
//! validator that reads a file without whisper.cpp.
//!
//! Layout (all little-endian), as read by `whisper_model_load` in whisper.cpp:
//! magic `0x67676d6c`; eleven `i32` hyper-parameters (`n_vocab, n_audio_ctx, n_audio_state,
//! n_audio_head, n_audio_layer, n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels,
//! ftype`); the mel filter bank (`i32 n_mel, i32 n_fft`, `n_mel * n_fft` f32); the vocabulary
//! (`i32 count`, then per token `u32 len` and its raw bytes); then tensors until the end of the
//! file, each `i32 n_dims, i32 name_len, i32 ttype`, `n_dims` × `i32 ne` (fastest dimension
//! first), the name, and the data.
//!
//! whisper.cpp checks little of this before it allocates and reads; several bad values end in
//! an assertion or an out-of-bounds read inside C. [`validate_ggml`] checks all of them first.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::ModelError;

/// The ggml file magic, "ggml" as a little-endian `u32`.
pub const GGML_MAGIC: u32 = 0x6767_6d6c;
/// ggml's quantisation format version, stored as `ftype / 1000` in quantised files.
pub const GGML_QNT_VERSION: i32 = 2;
/// The factor by which the quantisation version is folded into `ftype`.
pub const GGML_QNT_VERSION_FACTOR: i32 = 1000;
/// Number of frequency bins of whisper's 400-point FFT (`1 + 400 / 2`).
pub const WHISPER_N_FFT_BINS: i32 = 201;
/// The vocabulary size from which a Whisper model is multilingual.
pub const MULTILINGUAL_MIN_VOCAB: i32 = 51865;

/// A ggml tensor storage type that Dikta knows the size of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GgmlType {
    /// 32-bit float.
    F32,
    /// 16-bit IEEE float.
    F16,
    /// 4-bit blocks, one scale.
    Q4_0,
    /// 4-bit blocks, scale and minimum.
    Q4_1,
    /// 5-bit blocks, one scale.
    Q5_0,
    /// 5-bit blocks, scale and minimum.
    Q5_1,
    /// 8-bit blocks of 32 with one f16 scale.
    Q8_0,
    /// 2-bit k-quant.
    Q2K,
    /// 3-bit k-quant.
    Q3K,
    /// 4-bit k-quant.
    Q4K,
    /// 5-bit k-quant.
    Q5K,
    /// 6-bit k-quant.
    Q6K,
    /// bfloat16.
    BF16,
}

impl GgmlType {
    /// The type for a ggml type id, if Dikta knows it.
    pub fn from_id(id: i32) -> Option<GgmlType> {
        Some(match id {
            0 => GgmlType::F32,
            1 => GgmlType::F16,
            2 => GgmlType::Q4_0,
            3 => GgmlType::Q4_1,
            6 => GgmlType::Q5_0,
            7 => GgmlType::Q5_1,
            8 => GgmlType::Q8_0,
            10 => GgmlType::Q2K,
            11 => GgmlType::Q3K,
            12 => GgmlType::Q4K,
            13 => GgmlType::Q5K,
            14 => GgmlType::Q6K,
            30 => GgmlType::BF16,
            _ => return None,
        })
    }

    /// The ggml type id written in tensor headers.
    pub fn id(self) -> i32 {
        match self {
            GgmlType::F32 => 0,
            GgmlType::F16 => 1,
            GgmlType::Q4_0 => 2,
            GgmlType::Q4_1 => 3,
            GgmlType::Q5_0 => 6,
            GgmlType::Q5_1 => 7,
            GgmlType::Q8_0 => 8,
            GgmlType::Q2K => 10,
            GgmlType::Q3K => 11,
            GgmlType::Q4K => 12,
            GgmlType::Q5K => 13,
            GgmlType::Q6K => 14,
            GgmlType::BF16 => 30,
        }
    }

    /// ggml's name for the type.
    pub fn name(self) -> &'static str {
        match self {
            GgmlType::F32 => "f32",
            GgmlType::F16 => "f16",
            GgmlType::Q4_0 => "q4_0",
            GgmlType::Q4_1 => "q4_1",
            GgmlType::Q5_0 => "q5_0",
            GgmlType::Q5_1 => "q5_1",
            GgmlType::Q8_0 => "q8_0",
            GgmlType::Q2K => "q2_k",
            GgmlType::Q3K => "q3_k",
            GgmlType::Q4K => "q4_k",
            GgmlType::Q5K => "q5_k",
            GgmlType::Q6K => "q6_k",
            GgmlType::BF16 => "bf16",
        }
    }

    /// Elements per block (1 for plain floats).
    pub fn block_size(self) -> u64 {
        match self {
            GgmlType::F32 | GgmlType::F16 | GgmlType::BF16 => 1,
            GgmlType::Q4_0 | GgmlType::Q4_1 | GgmlType::Q5_0 | GgmlType::Q5_1 | GgmlType::Q8_0 => {
                32
            }
            GgmlType::Q2K | GgmlType::Q3K | GgmlType::Q4K | GgmlType::Q5K | GgmlType::Q6K => 256,
        }
    }

    /// Bytes per block.
    pub fn block_bytes(self) -> u64 {
        match self {
            GgmlType::F32 => 4,
            GgmlType::F16 | GgmlType::BF16 => 2,
            GgmlType::Q4_0 => 18,
            GgmlType::Q4_1 => 20,
            GgmlType::Q5_0 => 22,
            GgmlType::Q5_1 => 24,
            GgmlType::Q8_0 => 34,
            GgmlType::Q2K => 84,
            GgmlType::Q3K => 110,
            GgmlType::Q4K => 144,
            GgmlType::Q5K => 176,
            GgmlType::Q6K => 210,
        }
    }

    /// Whether the type is a block quantisation (its format depends on [`GGML_QNT_VERSION`]).
    pub fn is_quantized(self) -> bool {
        self.block_size() > 1
    }

    /// Bytes taken by a tensor of `ne` elements whose first dimension is `ne0`, or `None` when
    /// `ne0` is not a whole number of blocks.
    pub fn bytes_for(self, ne0: u64, elements: u64) -> Option<u64> {
        let bs = self.block_size();
        if !ne0.is_multiple_of(bs) {
            return None;
        }
        Some(elements / bs * self.block_bytes())
    }

    /// The type of the big weights for a header `ftype` (already reduced modulo 1000).
    pub fn from_ftype(ftype: i32) -> Option<GgmlType> {
        Some(match ftype {
            0 => GgmlType::F32,
            1 => GgmlType::F16,
            2 => GgmlType::Q4_0,
            3 => GgmlType::Q4_1,
            7 => GgmlType::Q8_0,
            8 => GgmlType::Q5_0,
            9 => GgmlType::Q5_1,
            10 => GgmlType::Q2K,
            11 => GgmlType::Q3K,
            12 => GgmlType::Q4K,
            13 => GgmlType::Q5K,
            14 => GgmlType::Q6K,
            24 => GgmlType::BF16,
            _ => return None,
        })
    }
}

/// The eleven hyper-parameters at the start of a whisper ggml file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    /// Vocabulary size of the token embedding (51865 multilingual, 51864 English-only).
    pub n_vocab: i32,
    /// Encoder positions (1500).
    pub n_audio_ctx: i32,
    /// Encoder width.
    pub n_audio_state: i32,
    /// Encoder attention heads.
    pub n_audio_head: i32,
    /// Encoder layers.
    pub n_audio_layer: i32,
    /// Decoder positions (448).
    pub n_text_ctx: i32,
    /// Decoder width (equal to the encoder's).
    pub n_text_state: i32,
    /// Decoder attention heads.
    pub n_text_head: i32,
    /// Decoder layers.
    pub n_text_layer: i32,
    /// Mel bands (80, or 128 for large-v3).
    pub n_mels: i32,
    /// Weight type code, `qnt_version * 1000 + ggml_ftype`.
    pub ftype: i32,
}

impl Hparams {
    /// The values in file order.
    pub fn to_array(&self) -> [i32; 11] {
        [
            self.n_vocab,
            self.n_audio_ctx,
            self.n_audio_state,
            self.n_audio_head,
            self.n_audio_layer,
            self.n_text_ctx,
            self.n_text_state,
            self.n_text_head,
            self.n_text_layer,
            self.n_mels,
            self.ftype,
        ]
    }

    fn from_array(a: [i32; 11]) -> Hparams {
        Hparams {
            n_vocab: a[0],
            n_audio_ctx: a[1],
            n_audio_state: a[2],
            n_audio_head: a[3],
            n_audio_layer: a[4],
            n_text_ctx: a[5],
            n_text_state: a[6],
            n_text_head: a[7],
            n_text_layer: a[8],
            n_mels: a[9],
            ftype: a[10],
        }
    }

    /// Whether the vocabulary includes the language tokens.
    pub fn is_multilingual(&self) -> bool {
        self.n_vocab >= MULTILINGUAL_MIN_VOCAB
    }

    /// whisper.cpp's size name for the layer count ("tiny" ... "large").
    pub fn size_name(&self) -> &'static str {
        match self.n_audio_layer {
            4 => "tiny",
            6 => "base",
            12 => "small",
            24 => "medium",
            32 => "large",
            _ => "unknown",
        }
    }

    /// Checks the values whisper.cpp trusts blindly. Returns the weight type.
    fn check(&self, path: &Path) -> Result<GgmlType, ModelError> {
        let bad = |reason: String| ModelError::BadHeader {
            path: path.to_path_buf(),
            reason,
        };
        let positive = [
            ("n_vocab", self.n_vocab, 1_000_000),
            ("n_audio_ctx", self.n_audio_ctx, 100_000),
            ("n_audio_state", self.n_audio_state, 65_536),
            ("n_audio_head", self.n_audio_head, 1024),
            ("n_audio_layer", self.n_audio_layer, 256),
            ("n_text_ctx", self.n_text_ctx, 100_000),
            ("n_text_state", self.n_text_state, 65_536),
            ("n_text_head", self.n_text_head, 1024),
            ("n_text_layer", self.n_text_layer, 256),
            ("n_mels", self.n_mels, 1024),
        ];
        for (name, value, max) in positive {
            if value <= 0 || value > max {
                return Err(bad(format!("{name} = {value} is out of range (1..={max})")));
            }
        }
        if self.n_audio_state != self.n_text_state {
            return Err(bad(format!(
                "n_audio_state {} differs from n_text_state {} (whisper.cpp asserts they are equal)",
                self.n_audio_state, self.n_text_state
            )));
        }
        if self.n_audio_state % self.n_audio_head != 0 || self.n_text_state % self.n_text_head != 0
        {
            return Err(bad(
                "the model width is not a multiple of the head count".into()
            ));
        }
        if self.ftype < 0 {
            return Err(bad(format!("ftype = {} is negative", self.ftype)));
        }
        let qntvr = self.ftype / GGML_QNT_VERSION_FACTOR;
        let base = self.ftype % GGML_QNT_VERSION_FACTOR;
        let unsupported = |reason: &str| ModelError::UnsupportedFtype {
            path: path.to_path_buf(),
            ftype: self.ftype,
            reason: reason.to_string(),
        };
        let wtype = GgmlType::from_ftype(base).ok_or_else(|| {
            unsupported(
                "unknown to whisper.cpp 1.8 or to Dikta; use an f16, q8_0, q5_x or q4_x model",
            )
        })?;
        if wtype == GgmlType::F32 {
            return Err(unsupported(
                "an all-f32 model crashes whisper.cpp 1.8 on CPU; convert it to f16 or q8_0",
            ));
        }
        if wtype.is_quantized() && qntvr != GGML_QNT_VERSION {
            return Err(unsupported(&format!(
                "quantised with ggml format version {qntvr}, whisper.cpp 1.8 reads version {GGML_QNT_VERSION}; quantise the model again"
            )));
        }
        Ok(wtype)
    }
}

/// A tensor whisper.cpp allocates for a model, with the shape and type it will read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedTensor {
    /// The tensor name, e.g. `encoder.blocks.0.attn.query.weight`.
    pub name: String,
    /// Dimensions in ggml order (fastest first), as whisper.cpp declares them.
    pub ne: Vec<u64>,
    /// The storage type whisper.cpp allocates.
    pub ttype: GgmlType,
}

/// The complete tensor table whisper.cpp 1.8 builds for these hyper-parameters and weight type
/// (mirrors `whisper_model_load`). Conv biases are `[1, state]`; 1-D tensors, position
/// embeddings and conv biases are f32; conv kernels f16; other 2-D weights `wtype`.
pub fn expected_tensors(h: &Hparams, wtype: GgmlType) -> Vec<ExpectedTensor> {
    let f32t = GgmlType::F32;
    let vtype = if wtype == GgmlType::F32 {
        GgmlType::F32
    } else {
        GgmlType::F16
    };
    let s = h.n_audio_state as u64;
    let t = h.n_text_state as u64;
    let mut out = Vec::new();
    let mut push = |name: String, ne: &[u64], ttype: GgmlType| {
        out.push(ExpectedTensor {
            name,
            ne: ne.to_vec(),
            ttype,
        })
    };
    push(
        "encoder.positional_embedding".into(),
        &[s, h.n_audio_ctx as u64],
        f32t,
    );
    push(
        "encoder.conv1.weight".into(),
        &[3, h.n_mels as u64, s],
        vtype,
    );
    push("encoder.conv1.bias".into(), &[1, s], f32t);
    push("encoder.conv2.weight".into(), &[3, s, s], vtype);
    push("encoder.conv2.bias".into(), &[1, s], f32t);
    push("encoder.ln_post.weight".into(), &[s], f32t);
    push("encoder.ln_post.bias".into(), &[s], f32t);
    let block = |push: &mut dyn FnMut(String, &[u64], GgmlType), p: &str, d: u64| {
        push(format!("{p}.mlp_ln.weight"), &[d], f32t);
        push(format!("{p}.mlp_ln.bias"), &[d], f32t);
        push(format!("{p}.mlp.0.weight"), &[d, 4 * d], wtype);
        push(format!("{p}.mlp.0.bias"), &[4 * d], f32t);
        push(format!("{p}.mlp.2.weight"), &[4 * d, d], wtype);
        push(format!("{p}.mlp.2.bias"), &[d], f32t);
        push(format!("{p}.attn_ln.weight"), &[d], f32t);
        push(format!("{p}.attn_ln.bias"), &[d], f32t);
        push(format!("{p}.attn.query.weight"), &[d, d], wtype);
        push(format!("{p}.attn.query.bias"), &[d], f32t);
        push(format!("{p}.attn.key.weight"), &[d, d], wtype);
        push(format!("{p}.attn.value.weight"), &[d, d], wtype);
        push(format!("{p}.attn.value.bias"), &[d], f32t);
        push(format!("{p}.attn.out.weight"), &[d, d], wtype);
        push(format!("{p}.attn.out.bias"), &[d], f32t);
    };
    for i in 0..h.n_audio_layer {
        block(&mut push, &format!("encoder.blocks.{i}"), s);
    }
    push(
        "decoder.positional_embedding".into(),
        &[t, h.n_text_ctx as u64],
        f32t,
    );
    push(
        "decoder.token_embedding.weight".into(),
        &[t, h.n_vocab as u64],
        wtype,
    );
    push("decoder.ln.weight".into(), &[t], f32t);
    push("decoder.ln.bias".into(), &[t], f32t);
    for i in 0..h.n_text_layer {
        let p = format!("decoder.blocks.{i}");
        block(&mut push, &p, t);
        push(format!("{p}.cross_attn_ln.weight"), &[t], f32t);
        push(format!("{p}.cross_attn_ln.bias"), &[t], f32t);
        push(format!("{p}.cross_attn.query.weight"), &[t, t], wtype);
        push(format!("{p}.cross_attn.query.bias"), &[t], f32t);
        push(format!("{p}.cross_attn.key.weight"), &[t, t], wtype);
        push(format!("{p}.cross_attn.value.weight"), &[t, t], wtype);
        push(format!("{p}.cross_attn.value.bias"), &[t], f32t);
        push(format!("{p}.cross_attn.out.weight"), &[t, t], wtype);
        push(format!("{p}.cross_attn.out.bias"), &[t], f32t);
    }
    out
}

/// What a valid whisper ggml file holds, as read from its header and tensor table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GgmlInfo {
    /// The file.
    pub path: PathBuf,
    /// File size in bytes.
    pub file_size: u64,
    /// The hyper-parameters.
    pub hparams: Hparams,
    /// Vocabulary size of the token embedding.
    pub n_vocab: u32,
    /// Encoder layers.
    pub n_audio_layer: u32,
    /// Decoder layers.
    pub n_text_layer: u32,
    /// Model width.
    pub n_state: u32,
    /// Mel bands.
    pub n_mels: u32,
    /// Weight type name ("f16", "q8_0", ...).
    pub ftype_name: &'static str,
    /// Whether the model knows languages other than English (Danish needs this).
    pub multilingual: bool,
    /// whisper.cpp's size name ("base", "large", ...).
    pub size_name: &'static str,
    /// Tokens stored in the file's vocabulary section.
    pub n_vocab_tokens: u32,
    /// Tensors in the file.
    pub n_tensors: u32,
}

/// One entry of a ggml file's tensor table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GgmlTensor {
    /// The tensor name.
    pub name: String,
    /// Dimensions in ggml order (fastest first).
    pub ne: Vec<u64>,
    /// The storage type.
    pub ttype: GgmlType,
    /// Offset of the data in the file.
    pub offset: u64,
    /// Data size in bytes.
    pub nbytes: u64,
}

/// A validated whisper ggml file: header, vocabulary and tensor table (no tensor data).
#[derive(Debug, Clone)]
pub struct GgmlFile {
    /// Summary facts.
    pub info: GgmlInfo,
    /// Mel filter bank dimensions `(n_mel, n_fft)` and the offset of its f32 data.
    pub mel: (i32, i32, u64),
    /// The vocabulary as raw token bytes (not necessarily valid UTF-8 each).
    pub vocab: Vec<Vec<u8>>,
    /// The tensor table in file order.
    pub tensors: Vec<GgmlTensor>,
}

impl GgmlFile {
    /// The table entry of a tensor.
    pub fn tensor(&self, name: &str) -> Option<&GgmlTensor> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// Reads a tensor's raw data.
    pub fn read_tensor_data(&self, name: &str) -> Result<Vec<u8>, ModelError> {
        let path = &self.info.path;
        let t = self.tensor(name).ok_or_else(|| ModelError::MissingTensor {
            path: path.clone(),
            name: name.to_string(),
        })?;
        let mut f = File::open(path).map_err(|e| ModelError::io(path, e))?;
        f.seek(SeekFrom::Start(t.offset))
            .map_err(|e| ModelError::io(path, e))?;
        let mut buf = vec![0u8; t.nbytes as usize];
        f.read_exact(&mut buf)
            .map_err(|e| ModelError::io(path, e))?;
        Ok(buf)
    }

    /// Reads the mel filter bank (`n_mel` rows of `n_fft` values).
    pub fn read_mel_filters(&self) -> Result<Vec<f32>, ModelError> {
        let path = &self.info.path;
        let (n_mel, n_fft, offset) = self.mel;
        let mut f = File::open(path).map_err(|e| ModelError::io(path, e))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| ModelError::io(path, e))?;
        let mut buf = vec![0u8; n_mel as usize * n_fft as usize * 4];
        f.read_exact(&mut buf)
            .map_err(|e| ModelError::io(path, e))?;
        Ok(buf
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}

/// Checks that `path` is a whisper ggml model whisper.cpp 1.8 can load, without loading it:
/// magic, sane hyper-parameters, a supported weight type (not all-f32), mel filters and
/// vocabulary that fit in the file, and every tensor whisper.cpp needs present exactly once
/// with the shape and storage type it will read, and no data cut off.
///
/// Call this before handing a file to whisper.cpp: a bad file then gets an error naming the
/// file and the problem instead of an assertion inside C.
pub fn validate_ggml(path: &Path) -> Result<GgmlInfo, ModelError> {
    read_ggml(path).map(|f| f.info)
}

/// Reads and validates a ggml file like [`validate_ggml`] and keeps the vocabulary and the
/// tensor table (for tests and tools).
pub fn read_ggml(path: &Path) -> Result<GgmlFile, ModelError> {
    let file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ModelError::ModelNotFound(path.to_path_buf()),
        _ => ModelError::io(path, e),
    })?;
    let meta = file.metadata().map_err(|e| ModelError::io(path, e))?;
    if meta.is_dir() {
        return Err(ModelError::NotImportable {
            path: path.to_path_buf(),
            reason: "is a directory, not a ggml .bin file".into(),
        });
    }
    let size = meta.len();
    let mut r = Reader {
        inner: BufReader::with_capacity(1 << 16, file),
        pos: 0,
        size,
        path,
    };

    let magic = r.u32("the magic number")?;
    if magic != GGML_MAGIC {
        return Err(ModelError::BadMagic {
            path: path.to_path_buf(),
            found: magic,
        });
    }
    let mut a = [0i32; 11];
    for v in a.iter_mut() {
        *v = r.i32("the hyper-parameters")?;
    }
    let hparams = Hparams::from_array(a);
    let wtype = hparams.check(path)?;

    // Mel filters.
    let n_mel = r.i32("the mel filter header")?;
    let n_fft = r.i32("the mel filter header")?;
    if n_mel != hparams.n_mels || n_fft != WHISPER_N_FFT_BINS {
        return Err(ModelError::BadHeader {
            path: path.to_path_buf(),
            reason: format!(
                "mel filter bank is {n_mel}x{n_fft}, expected {}x{WHISPER_N_FFT_BINS}",
                hparams.n_mels
            ),
        });
    }
    let mel_offset = r.pos;
    r.skip(n_mel as u64 * n_fft as u64 * 4, "the mel filter bank")?;

    // Vocabulary.
    let n_tokens = r.i32("the vocabulary size")?;
    if n_tokens < 0 || n_tokens > hparams.n_vocab {
        return Err(ModelError::BadHeader {
            path: path.to_path_buf(),
            reason: format!(
                "vocabulary has {n_tokens} tokens, the model {}",
                hparams.n_vocab
            ),
        });
    }
    let mut vocab = Vec::with_capacity(n_tokens as usize);
    for _ in 0..n_tokens {
        let len = r.u32("the vocabulary")? as u64;
        if len > 4096 {
            return Err(ModelError::BadHeader {
                path: path.to_path_buf(),
                reason: format!("vocabulary token {} is {len} bytes long", vocab.len()),
            });
        }
        vocab.push(r.bytes(len, "the vocabulary")?);
    }

    // Tensors.
    let expected = expected_tensors(&hparams, wtype);
    let index: HashMap<&str, &ExpectedTensor> =
        expected.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut tensors: Vec<GgmlTensor> = Vec::with_capacity(expected.len());
    let mut seen: HashMap<String, ()> = HashMap::with_capacity(expected.len());
    while r.pos < size {
        let n_dims = r.i32("a tensor header")?;
        let name_len = r.i32("a tensor header")?;
        let ttype_id = r.i32("a tensor header")?;
        if !(1..=4).contains(&n_dims) || !(1..=1024).contains(&name_len) {
            return Err(ModelError::BadHeader {
                path: path.to_path_buf(),
                reason: format!(
                    "tensor #{} has {n_dims} dimensions and a {name_len}-byte name",
                    tensors.len()
                ),
            });
        }
        let mut ne = Vec::with_capacity(n_dims as usize);
        for _ in 0..n_dims {
            let d = r.i32("a tensor header")?;
            if d <= 0 {
                return Err(ModelError::BadHeader {
                    path: path.to_path_buf(),
                    reason: format!("tensor #{} has dimension {d}", tensors.len()),
                });
            }
            ne.push(d as u64);
        }
        let name_bytes = r.bytes(name_len as u64, "a tensor name")?;
        let name = String::from_utf8_lossy(&name_bytes).into_owned();
        let exp = index
            .get(name.as_str())
            .ok_or_else(|| ModelError::UnknownTensor {
                path: path.to_path_buf(),
                name: name.clone(),
            })?;
        if seen.insert(name.clone(), ()).is_some() {
            return Err(ModelError::DuplicateTensor {
                path: path.to_path_buf(),
                name,
            });
        }
        // whisper.cpp compares three dimensions, padding with 1.
        let padded = |v: &[u64]| {
            let mut p = v.to_vec();
            while p.len() > 1 && p.last() == Some(&1) {
                p.pop();
            }
            p
        };
        if padded(&ne) != padded(&exp.ne) {
            return Err(ModelError::TensorShape {
                path: path.to_path_buf(),
                name,
                expected: exp.ne.clone(),
                found: ne,
            });
        }
        let type_err = |found: String| ModelError::TensorType {
            path: path.to_path_buf(),
            name: name.clone(),
            expected: exp.ttype.name().to_string(),
            found,
            hint: if ttype_id == 0 && ne.len() >= 2 {
                " (f32 2-D weights crash or fail in whisper.cpp 1.8; convert the model to f16 or q8_0)"
                    .to_string()
            } else {
                String::new()
            },
        };
        let ttype = GgmlType::from_id(ttype_id)
            .ok_or_else(|| type_err(format!("unknown type id {ttype_id}")))?;
        if ttype != exp.ttype {
            return Err(type_err(ttype.name().to_string()));
        }
        let elements: u64 = ne.iter().product();
        let nbytes = ttype.bytes_for(ne[0], elements).ok_or_else(|| {
            type_err(format!(
                "{} with a row not a whole number of blocks",
                ttype.name()
            ))
        })?;
        let offset = r.pos;
        r.skip(nbytes, &format!("the data of tensor '{name}'"))?;
        tensors.push(GgmlTensor {
            name,
            ne,
            ttype,
            offset,
            nbytes,
        });
    }
    if let Some(missing) = expected.iter().find(|e| !seen.contains_key(&e.name)) {
        return Err(ModelError::MissingTensor {
            path: path.to_path_buf(),
            name: missing.name.clone(),
        });
    }

    let info = GgmlInfo {
        path: path.to_path_buf(),
        file_size: size,
        hparams,
        n_vocab: hparams.n_vocab as u32,
        n_audio_layer: hparams.n_audio_layer as u32,
        n_text_layer: hparams.n_text_layer as u32,
        n_state: hparams.n_audio_state as u32,
        n_mels: hparams.n_mels as u32,
        ftype_name: wtype.name(),
        multilingual: hparams.is_multilingual(),
        size_name: hparams.size_name(),
        n_vocab_tokens: n_tokens as u32,
        n_tensors: tensors.len() as u32,
    };
    Ok(GgmlFile {
        info,
        mel: (n_mel, n_fft, mel_offset),
        vocab,
        tensors,
    })
}

/// A little-endian reader that knows the file size, so it can report truncation precisely and
/// never allocates more than the file could hold.
struct Reader<'a> {
    inner: BufReader<File>,
    pos: u64,
    size: u64,
    path: &'a Path,
}

impl Reader<'_> {
    fn truncated(&self, what: &str) -> ModelError {
        ModelError::Truncated {
            path: self.path.to_path_buf(),
            what: what.to_string(),
            size: self.size,
        }
    }

    fn need(&self, n: u64, what: &str) -> Result<(), ModelError> {
        if self.pos.checked_add(n).is_none_or(|end| end > self.size) {
            return Err(self.truncated(what));
        }
        Ok(())
    }

    fn bytes(&mut self, n: u64, what: &str) -> Result<Vec<u8>, ModelError> {
        self.need(n, what)?;
        let mut buf = vec![0u8; n as usize];
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => self.truncated(what),
                _ => ModelError::io(self.path, e),
            })?;
        self.pos += n;
        Ok(buf)
    }

    fn u32(&mut self, what: &str) -> Result<u32, ModelError> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i32(&mut self, what: &str) -> Result<i32, ModelError> {
        Ok(self.u32(what)? as i32)
    }

    fn skip(&mut self, n: u64, what: &str) -> Result<(), ModelError> {
        self.need(n, what)?;
        self.inner
            .seek_relative(n as i64)
            .map_err(|e| ModelError::io(self.path, e))?;
        self.pos += n;
        Ok(())
    }
}
