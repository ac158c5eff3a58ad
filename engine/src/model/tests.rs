//! Tests on a tiny Whisper-shaped CTranslate2 model the tests write themselves: the fused
//! attention split, the dropped zero key bias, shapes and types of the ggml output, and the
//! errors for broken files.

use std::path::{Path, PathBuf};

use half::f16;

use super::ggml::{GgmlType, GGML_MAGIC};
use super::*;

/// Width of the tiny model (a multiple of 32 so q8_0 works).
const D: u32 = 32;
const N_MELS: u32 = 4;
const AUDIO_CTX: u32 = 6;
const TEXT_CTX: u32 = 5;
const N_VOCAB: u32 = 20;
/// Index of `<|endoftext|>` in the tiny vocabulary.
const EOT: usize = 10;

#[derive(Clone, Copy, PartialEq)]
enum Flaw {
    None,
    NonZeroKeyBias,
    MissingVariable,
}

struct Var {
    name: String,
    dims: Vec<u32>,
    dtype: u8,
    data: Vec<u8>,
}

fn f16_var(name: &str, dims: &[u32], value: impl Fn(usize, usize) -> f32) -> Var {
    let row = *dims.last().unwrap_or(&1) as usize;
    let n: usize = dims.iter().map(|&d| d as usize).product();
    let data = (0..n)
        .flat_map(|i| {
            f16::from_f32(value(i / row, i % row))
                .to_bits()
                .to_le_bytes()
        })
        .collect();
    Var {
        name: name.into(),
        dims: dims.to_vec(),
        dtype: 4,
        data,
    }
}

fn i16_scalar(name: &str, v: i16) -> Var {
    Var {
        name: name.into(),
        dims: vec![],
        dtype: 2,
        data: v.to_le_bytes().to_vec(),
    }
}

fn ct2_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&((s.len() + 1) as u16).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

/// Writes a 1-layer Whisper CT2 model. Fused self-attention rows hold their row index
/// (query 0..D, key D..2D, value 2D..3D); fused cross-attention k|v rows hold 100 + row.
/// Biases: query 1.0, key 0.0, value 3.0; cross key 0.0, cross value 5.0.
fn tiny_vars(flaw: Flaw) -> Vec<Var> {
    let d = D;
    let mut vars = vec![
        f16_var("decoder/embeddings/weight", &[N_VOCAB, d], |r, c| {
            (r * 100 + c) as f32 / 1000.0
        }),
        f16_var("decoder/layer_norm/gamma", &[d], |_, _| 1.0),
        f16_var("decoder/layer_norm/beta", &[d], |_, _| 0.5),
        i16_scalar("decoder/num_heads", 2),
        f16_var(
            "decoder/position_encodings/encodings",
            &[TEXT_CTX, d],
            |r, _| r as f32,
        ),
        f16_var("encoder/conv1/weight", &[d, N_MELS, 3], |r, c| {
            (r + c) as f32 / 64.0
        }),
        f16_var("encoder/conv1/bias", &[d], |_, c| c as f32),
        f16_var("encoder/conv2/weight", &[d, d, 3], |r, c| {
            (r + c) as f32 / 64.0
        }),
        f16_var("encoder/conv2/bias", &[d], |_, c| -(c as f32)),
        f16_var("encoder/layer_norm/gamma", &[d], |_, _| 1.0),
        f16_var("encoder/layer_norm/beta", &[d], |_, _| 0.0),
        i16_scalar("encoder/num_heads", 2),
        f16_var(
            "encoder/position_encodings/encodings",
            &[AUDIO_CTX, d],
            |r, _| r as f32,
        ),
    ];
    let bias3 = move |_: usize, c: usize| -> f32 {
        match c as u32 / d {
            0 => 1.0,
            1 => {
                if flaw == Flaw::NonZeroKeyBias && c as u32 == d + 3 {
                    0.25
                } else {
                    0.0
                }
            }
            _ => 3.0,
        }
    };
    for side in ["encoder", "decoder"] {
        let p = format!("{side}/layer_0");
        vars.push(f16_var(
            &format!("{p}/self_attention/linear_0/weight"),
            &[3 * d, d],
            |r, _| r as f32,
        ));
        if !(flaw == Flaw::MissingVariable && side == "decoder") {
            vars.push(f16_var(
                &format!("{p}/self_attention/linear_0/bias"),
                &[3 * d],
                bias3,
            ));
        }
        vars.push(f16_var(
            &format!("{p}/self_attention/linear_1/weight"),
            &[d, d],
            |r, c| (r * c) as f32 / 512.0,
        ));
        vars.push(f16_var(
            &format!("{p}/self_attention/linear_1/bias"),
            &[d],
            |_, _| 0.1,
        ));
        vars.push(f16_var(
            &format!("{p}/self_attention/layer_norm/gamma"),
            &[d],
            |_, _| 1.0,
        ));
        vars.push(f16_var(
            &format!("{p}/self_attention/layer_norm/beta"),
            &[d],
            |_, _| 0.0,
        ));
        vars.push(f16_var(
            &format!("{p}/ffn/linear_0/weight"),
            &[4 * d, d],
            |r, _| r as f32 / 8.0,
        ));
        vars.push(f16_var(
            &format!("{p}/ffn/linear_0/bias"),
            &[4 * d],
            |_, _| 0.2,
        ));
        vars.push(f16_var(
            &format!("{p}/ffn/linear_1/weight"),
            &[d, 4 * d],
            |_, c| c as f32 / 8.0,
        ));
        vars.push(f16_var(&format!("{p}/ffn/linear_1/bias"), &[d], |_, _| 0.3));
        vars.push(f16_var(
            &format!("{p}/ffn/layer_norm/gamma"),
            &[d],
            |_, _| 1.0,
        ));
        vars.push(f16_var(
            &format!("{p}/ffn/layer_norm/beta"),
            &[d],
            |_, _| 0.0,
        ));
    }
    let p = "decoder/layer_0/attention";
    vars.push(f16_var(&format!("{p}/linear_0/weight"), &[d, d], |r, _| {
        -(r as f32)
    }));
    vars.push(f16_var(&format!("{p}/linear_0/bias"), &[d], |_, _| 7.0));
    vars.push(f16_var(
        &format!("{p}/linear_1/weight"),
        &[2 * d, d],
        |r, _| 100.0 + r as f32,
    ));
    vars.push(f16_var(
        &format!("{p}/linear_1/bias"),
        &[2 * d],
        move |_, c| {
            if (c as u32) < d {
                0.0
            } else {
                5.0
            }
        },
    ));
    vars.push(f16_var(&format!("{p}/linear_2/weight"), &[d, d], |_, _| {
        0.5
    }));
    vars.push(f16_var(&format!("{p}/linear_2/bias"), &[d], |_, _| 0.0));
    vars.push(f16_var(&format!("{p}/layer_norm/gamma"), &[d], |_, _| 1.0));
    vars.push(f16_var(&format!("{p}/layer_norm/beta"), &[d], |_, _| 0.0));
    vars
}

/// The tiny vocabulary in id order: ten text tokens (GPT-2 byte alphabet: "Ġ" = space,
/// "Ã¦" = "æ", "Ã¸" = "ø", "Ã¥" = "å"; one empty token as in the real vocabulary), then
/// special tokens.
fn tiny_vocab() -> Vec<String> {
    let mut vocab = vec!["!", "a", "Ġp", "Ã¥", "Ġs", "Ã¦", "r", "Ã¸", "Ġ", ""]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    assert_eq!(vocab.len(), EOT);
    vocab.push("<|endoftext|>".into());
    while vocab.len() < N_VOCAB as usize {
        vocab.push(format!("<|special{}|>", vocab.len()));
    }
    vocab
}

fn write_tiny_ct2(dir: &Path, flaw: Flaw) {
    let vars = tiny_vars(flaw);
    let mut out = Vec::new();
    out.extend_from_slice(&6u32.to_le_bytes());
    ct2_string(&mut out, "WhisperSpec");
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&(vars.len() as u32).to_le_bytes());
    for v in &vars {
        ct2_string(&mut out, &v.name);
        out.push(v.dims.len() as u8);
        for d in &v.dims {
            out.extend_from_slice(&d.to_le_bytes());
        }
        out.push(v.dtype);
        out.extend_from_slice(&(v.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&v.data);
    }
    out.extend_from_slice(&1u32.to_le_bytes());
    ct2_string(&mut out, "decoder/projection/weight");
    ct2_string(&mut out, "decoder/embeddings/weight");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("model.bin"), out).unwrap();
    std::fs::write(dir.join("config.json"), "{}").unwrap();
    std::fs::write(dir.join("vocabulary.txt"), tiny_vocab().join("\n") + "\n").unwrap();
}

/// The same tiny model as a Hugging Face checkpoint: HF names, q/k/v and k/v unfused, no key
/// biases, heads in config.json, vocab.json. With `shards`, split over two safetensors files.
fn write_tiny_hf(dir: &Path, shards: bool) {
    let d = D as usize;
    let mut tensors: Vec<(String, Vec<u32>, Vec<u8>)> = Vec::new();
    let rows = |v: &Var, from: usize, to: usize| -> Vec<u8> {
        let row: usize = v.dims[1..]
            .iter()
            .map(|&x| x as usize)
            .product::<usize>()
            .max(1)
            * 2;
        v.data[from * row..to * row].to_vec()
    };
    for v in tiny_vars(Flaw::None) {
        if v.dims.is_empty() {
            continue; // num_heads: config.json
        }
        let n = v
            .name
            .replace("/gamma", ".weight")
            .replace("/beta", ".bias")
            .replace("/embeddings/weight", ".embed_tokens.weight")
            .replace("/position_encodings/encodings", ".embed_positions.weight")
            .replace("/self_attention/layer_norm", ".self_attn_layer_norm")
            .replace("/attention/layer_norm", ".encoder_attn_layer_norm")
            .replace("/ffn/layer_norm", ".final_layer_norm")
            .replace("/ffn/linear_0", ".fc1")
            .replace("/ffn/linear_1", ".fc2")
            .replace("/self_attention/linear_1", ".self_attn.out_proj")
            .replace("/attention/linear_0", ".encoder_attn.q_proj")
            .replace("/attention/linear_2", ".encoder_attn.out_proj")
            .replace("/layer_norm", ".layer_norm")
            .replace("/layer_0/", ".layers.0.")
            .replace("/layer_0.", ".layers.0.")
            .replace('/', ".");
        let n = format!("model.{n}");
        let shape = |rows: u32| -> Vec<u32> {
            let mut s = v.dims.clone();
            s[0] = rows;
            s
        };
        if let Some(base) = n.strip_suffix(".self_attention.linear_0.weight") {
            for (i, part) in ["q", "k", "v"].iter().enumerate() {
                tensors.push((
                    format!("{base}.self_attn.{part}_proj.weight"),
                    shape(D),
                    rows(&v, i * d, (i + 1) * d),
                ));
            }
        } else if let Some(base) = n.strip_suffix(".self_attention.linear_0.bias") {
            tensors.push((
                format!("{base}.self_attn.q_proj.bias"),
                vec![D],
                rows(&v, 0, d),
            ));
            tensors.push((
                format!("{base}.self_attn.v_proj.bias"),
                vec![D],
                rows(&v, 2 * d, 3 * d),
            ));
        } else if let Some(base) = n.strip_suffix(".attention.linear_1.weight") {
            tensors.push((
                format!("{base}.encoder_attn.k_proj.weight"),
                shape(D),
                rows(&v, 0, d),
            ));
            tensors.push((
                format!("{base}.encoder_attn.v_proj.weight"),
                shape(D),
                rows(&v, d, 2 * d),
            ));
        } else if let Some(base) = n.strip_suffix(".attention.linear_1.bias") {
            tensors.push((
                format!("{base}.encoder_attn.v_proj.bias"),
                vec![D],
                rows(&v, d, 2 * d),
            ));
        } else {
            tensors.push((n, v.dims.clone(), v.data));
        }
    }
    // Tied output projection, as transformers saves it.
    let emb = tensors
        .iter()
        .find(|t| t.0 == "model.decoder.embed_tokens.weight")
        .unwrap()
        .clone();
    tensors.push(("proj_out.weight".into(), emb.1, emb.2));

    std::fs::create_dir_all(dir).unwrap();
    let write_file = |name: &str, items: &[(String, Vec<u32>, Vec<u8>)]| {
        let mut header = serde_json::Map::new();
        header.insert("__metadata__".into(), serde_json::json!({"format": "pt"}));
        let mut data = Vec::new();
        for (n, shape, bytes) in items {
            header.insert(
                n.clone(),
                serde_json::json!({"dtype": "F16", "shape": shape, "data_offsets": [data.len(), data.len() + bytes.len()]}),
            );
            data.extend_from_slice(bytes);
        }
        let h = serde_json::to_vec(&header).unwrap();
        let mut out = (h.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(&h);
        out.extend_from_slice(&data);
        std::fs::write(dir.join(name), out).unwrap();
    };
    if shards {
        let (a, b) = tensors.split_at(tensors.len() / 2);
        let files = [
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors",
        ];
        write_file(files[0], a);
        write_file(files[1], b);
        let map: serde_json::Map<String, serde_json::Value> = a
            .iter()
            .map(|t| (t.0.clone(), files[0].into()))
            .chain(b.iter().map(|t| (t.0.clone(), files[1].into())))
            .collect();
        std::fs::write(
            dir.join("model.safetensors.index.json"),
            serde_json::json!({"metadata": {}, "weight_map": map}).to_string(),
        )
        .unwrap();
    } else {
        write_file("model.safetensors", &tensors);
    }
    std::fs::write(
        dir.join("config.json"),
        r#"{"model_type": "whisper", "encoder_attention_heads": 2, "decoder_attention_heads": 2}"#,
    )
    .unwrap();
    let vocab: serde_json::Map<String, serde_json::Value> = tiny_vocab()
        .into_iter()
        .enumerate()
        .map(|(i, t)| (t, i.into()))
        .collect();
    std::fs::write(
        dir.join("vocab.json"),
        serde_json::Value::Object(vocab).to_string(),
    )
    .unwrap();
}

#[test]
fn hugging_face_checkpoint_converts_to_the_same_tensors() {
    for shards in [false, true] {
        let (_tmp, ct2_file) = convert_tiny(OutputType::Q8_0);
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("hf");
        write_tiny_hf(&dir, shards);
        assert_eq!(detect_format(&dir), Some(SourceFormat::HuggingFace));
        let out = tmp.path().join("hf.bin");
        convert_dir(&dir, &out, OutputType::Q8_0, &mut NoProgress).unwrap();
        let hf_file = read_ggml(&out).unwrap();
        assert_eq!(hf_file.info.hparams, ct2_file.info.hparams);
        assert_eq!(hf_file.vocab, ct2_file.vocab);
        assert_eq!(hf_file.tensors.len(), ct2_file.tensors.len());
        for t in &ct2_file.tensors {
            let h = hf_file
                .tensor(&t.name)
                .unwrap_or_else(|| panic!("{}", t.name));
            assert_eq!((&h.ne, h.ttype), (&t.ne, t.ttype), "{}", t.name);
            assert_eq!(
                hf_file.read_tensor_data(&t.name).unwrap(),
                ct2_file.read_tensor_data(&t.name).unwrap(),
                "{}",
                t.name
            );
        }
        // And the import path takes the directory.
        let store = ModelStore::open(Some(&tmp.path().join("models"))).unwrap();
        let report = import(&store, &dir, &ImportOptions::default(), &mut NoProgress).unwrap();
        assert_eq!(report.kind, ImportKind::HuggingFace);
        assert!(store.file_for("hf-q8_0").is_file());
    }
}

fn tiny_dir(flaw: Flaw) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tiny-ct2");
    write_tiny_ct2(&dir, flaw);
    (tmp, dir)
}

fn f16s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(2)
        .map(|c| f16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32())
        .collect()
}

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn dequant_q8_0(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(34)
        .flat_map(|b| {
            let d = f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32();
            b[2..].iter().map(move |&q| q as i8 as f32 * d)
        })
        .collect()
}

fn convert_tiny(ty: OutputType) -> (tempfile::TempDir, GgmlFile) {
    let (tmp, dir) = tiny_dir(Flaw::None);
    let out = tmp.path().join(format!("ggml-tiny-{ty}.bin"));
    let report = convert_ct2(&dir, &out, ty, &mut NoProgress).unwrap();
    assert_eq!(report.tensors, 7 + 15 + 4 + 24);
    let file = read_ggml(&out).unwrap();
    (tmp, file)
}

#[test]
fn fused_attention_is_split_and_zero_key_bias_dropped() {
    let (_tmp, file) = convert_tiny(OutputType::F16);
    let d = D as usize;
    for side in ["encoder", "decoder"] {
        let p = format!("{side}.blocks.0.attn");
        for (part, what) in ["query", "key", "value"].iter().enumerate() {
            let name = format!("{p}.{what}.weight");
            let t = file.tensor(&name).unwrap();
            assert_eq!(t.ne, vec![D as u64, D as u64], "{name}");
            assert_eq!(t.ttype, GgmlType::F16);
            let w = f16s(&file.read_tensor_data(&name).unwrap());
            // Row r of this part is row part*D + r of the fused matrix.
            for r in 0..d {
                assert!(
                    w[r * d..(r + 1) * d]
                        .iter()
                        .all(|&v| v == (part * d + r) as f32),
                    "{name} row {r}"
                );
            }
        }
        assert!(file.tensor(&format!("{p}.key.bias")).is_none());
        let qb = f32s(&file.read_tensor_data(&format!("{p}.query.bias")).unwrap());
        let vb = f32s(&file.read_tensor_data(&format!("{p}.value.bias")).unwrap());
        assert_eq!((qb.len(), vb.len()), (d, d));
        assert!(qb.iter().all(|&v| v == 1.0) && vb.iter().all(|&v| v == 3.0));
    }
    // Cross-attention: linear_1 is k|v.
    let p = "decoder.blocks.0.cross_attn";
    let k = f16s(&file.read_tensor_data(&format!("{p}.key.weight")).unwrap());
    let v = f16s(&file.read_tensor_data(&format!("{p}.value.weight")).unwrap());
    assert_eq!(k[0], 100.0);
    assert_eq!(k[(d - 1) * d], 100.0 + (d - 1) as f32);
    assert_eq!(v[0], 100.0 + d as f32);
    assert!(file.tensor(&format!("{p}.key.bias")).is_none());
    let vb = f32s(&file.read_tensor_data(&format!("{p}.value.bias")).unwrap());
    assert!(vb.iter().all(|&x| x == 5.0));
    let q = f16s(&file.read_tensor_data(&format!("{p}.query.weight")).unwrap());
    assert_eq!(q[d], -1.0);
}

#[test]
fn shapes_types_header_and_vocabulary_of_tiny_model() {
    let (_tmp, file) = convert_tiny(OutputType::F16);
    let info = &file.info;
    assert_eq!(
        info.hparams.to_array(),
        [
            N_VOCAB as i32,
            AUDIO_CTX as i32,
            32,
            2,
            1,
            TEXT_CTX as i32,
            32,
            2,
            1,
            N_MELS as i32,
            1
        ]
    );
    assert_eq!(info.ftype_name, "f16");
    assert!(!info.multilingual);
    let check = |name: &str, ne: &[u64], ty: GgmlType| {
        let t = file.tensor(name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!((t.ne.as_slice(), t.ttype), (ne, ty), "{name}");
    };
    let d = D as u64;
    check(
        "encoder.conv1.weight",
        &[3, N_MELS as u64, d],
        GgmlType::F16,
    );
    check("encoder.conv1.bias", &[1, d], GgmlType::F32);
    check("encoder.conv2.weight", &[3, d, d], GgmlType::F16);
    check(
        "encoder.positional_embedding",
        &[d, AUDIO_CTX as u64],
        GgmlType::F32,
    );
    check(
        "decoder.positional_embedding",
        &[d, TEXT_CTX as u64],
        GgmlType::F32,
    );
    check(
        "decoder.token_embedding.weight",
        &[d, N_VOCAB as u64],
        GgmlType::F16,
    );
    check("encoder.blocks.0.mlp.0.weight", &[d, 4 * d], GgmlType::F16);
    check("encoder.blocks.0.mlp.2.weight", &[4 * d, d], GgmlType::F16);
    check("encoder.ln_post.bias", &[d], GgmlType::F32);
    check("decoder.blocks.0.cross_attn_ln.weight", &[d], GgmlType::F32);
    // Conv bias values survive as f32; layer norm beta maps to bias.
    let cb = f32s(&file.read_tensor_data("encoder.conv1.bias").unwrap());
    assert_eq!(cb[5], 5.0);
    let lnb = f32s(&file.read_tensor_data("decoder.ln.bias").unwrap());
    assert!(lnb.iter().all(|&x| x == 0.5));
    // Vocabulary: ids below <|endoftext|>, bytes decoded, Danish letters intact.
    assert_eq!(file.vocab.len(), EOT);
    assert_eq!(file.vocab[2], b" p");
    assert_eq!(std::str::from_utf8(&file.vocab[3]).unwrap(), "å");
    assert_eq!(std::str::from_utf8(&file.vocab[5]).unwrap(), "æ");
    assert_eq!(std::str::from_utf8(&file.vocab[7]).unwrap(), "ø");
    assert_eq!(file.vocab[9], b"");
    // Mel filters: n_mels x 201.
    assert_eq!(
        file.read_mel_filters().unwrap(),
        mel::mel_filters(N_MELS as usize)
    );
}

#[test]
fn q8_0_quantises_2d_weights_only() {
    let (_tmp, file) = convert_tiny(OutputType::Q8_0);
    assert_eq!(file.info.ftype_name, "q8_0");
    assert_eq!(file.info.hparams.ftype, 2007);
    let t = file.tensor("encoder.blocks.0.attn.value.weight").unwrap();
    assert_eq!(t.ttype, GgmlType::Q8_0);
    assert_eq!(t.nbytes, (D * D / 32 * 34) as u64);
    let v = dequant_q8_0(&file.read_tensor_data(&t.name).unwrap());
    let d = D as usize;
    for r in 0..d {
        let want = (2 * d + r) as f32;
        assert!(
            (v[r * d] - want).abs() <= want / 127.0,
            "row {r}: {} vs {want}",
            v[r * d]
        );
    }
    // Conv kernels stay f16, conv biases and positions f32.
    assert_eq!(
        file.tensor("encoder.conv2.weight").unwrap().ttype,
        GgmlType::F16
    );
    assert_eq!(
        file.tensor("encoder.conv2.bias").unwrap().ttype,
        GgmlType::F32
    );
    assert_eq!(
        file.tensor("decoder.positional_embedding").unwrap().ttype,
        GgmlType::F32
    );
    assert_eq!(
        file.tensor("decoder.token_embedding.weight").unwrap().ttype,
        GgmlType::Q8_0
    );
}

#[test]
fn q8_0_matches_ggml_reference() {
    let mut out = Vec::new();
    let mut x: Vec<f32> = (0..32).map(|i| i as f32 - 10.0).collect();
    x[3] = 0.5; // rounds away from zero like roundf
    convert::quantize_q8_0(&x, &mut out);
    assert_eq!(out.len(), 34);
    let d = f16::from_bits(u16::from_le_bytes([out[0], out[1]])).to_f32();
    assert!((d - 21.0 / 127.0).abs() < 1e-4);
    assert_eq!(out[2 + 31] as i8, 127);
    assert_eq!(out[2] as i8, (-10.0f32 * 127.0 / 21.0).round() as i8);
    let mut zeros = Vec::new();
    convert::quantize_q8_0(&[0.0; 32], &mut zeros);
    assert!(zeros.iter().all(|&b| b == 0));
}

#[test]
fn non_zero_key_bias_is_refused() {
    let (tmp, dir) = tiny_dir(Flaw::NonZeroKeyBias);
    let out = tmp.path().join("x.bin");
    let err = convert_ct2(&dir, &out, OutputType::F16, &mut NoProgress).unwrap_err();
    assert!(matches!(err, ModelError::Ct2Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("key bias"), "{err}");
    assert!(!out.exists(), "no output on failure");
    // No temporary files left behind.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn missing_ct2_variable_is_named() {
    let (tmp, dir) = tiny_dir(Flaw::MissingVariable);
    let err = convert_ct2(
        &dir,
        &tmp.path().join("x.bin"),
        OutputType::F16,
        &mut NoProgress,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("decoder/layer_0/self_attention/linear_0/bias"),
        "{err}"
    );
}

#[test]
fn truncated_ct2_and_missing_vocabulary_are_errors() {
    let (tmp, dir) = tiny_dir(Flaw::None);
    let bin = dir.join("model.bin");
    let data = std::fs::read(&bin).unwrap();
    std::fs::write(&bin, &data[..data.len() / 2]).unwrap();
    let err = convert_ct2(
        &dir,
        &tmp.path().join("x.bin"),
        OutputType::F16,
        &mut NoProgress,
    )
    .unwrap_err();
    assert!(matches!(err, ModelError::Ct2 { .. }), "{err}");
    assert!(err.to_string().contains("truncated"), "{err}");
    std::fs::write(&bin, &data).unwrap();
    std::fs::remove_file(dir.join("vocabulary.txt")).unwrap();
    let err = convert_ct2(
        &dir,
        &tmp.path().join("x.bin"),
        OutputType::F16,
        &mut NoProgress,
    )
    .unwrap_err();
    assert!(matches!(err, ModelError::MissingFile { .. }), "{err}");
}

// ---- ggml validation errors -------------------------------------------------------------

/// A valid tiny ggml file's bytes and its table.
fn tiny_ggml() -> (tempfile::TempDir, Vec<u8>, GgmlFile) {
    let (tmp, file) = convert_tiny(OutputType::F16);
    let bytes = std::fs::read(&file.info.path).unwrap();
    (tmp, bytes, file)
}

/// The byte range of a tensor's whole record (header, name and data).
fn record(file: &GgmlFile, name: &str) -> std::ops::Range<usize> {
    let t = file.tensor(name).unwrap();
    let header = 12 + 4 * t.ne.len() + t.name.len();
    (t.offset as usize - header)..(t.offset + t.nbytes) as usize
}

fn validate_bytes(dir: &Path, bytes: &[u8]) -> Result<GgmlInfo, ModelError> {
    let p = dir.join("broken.bin");
    std::fs::write(&p, bytes).unwrap();
    validate_ggml(&p)
}

#[test]
fn truncated_ggml_is_reported_with_the_part_cut_off() {
    let (tmp, bytes, file) = tiny_ggml();
    let err = validate_bytes(tmp.path(), &bytes[..bytes.len() - 10]).unwrap_err();
    assert!(matches!(err, ModelError::Truncated { .. }), "{err}");
    let last = &file.tensors.last().unwrap().name;
    assert!(err.to_string().contains(last.as_str()), "{err}");
    assert!(err.to_string().contains("broken.bin"), "{err}");
    let err = validate_bytes(tmp.path(), &bytes[..30]).unwrap_err();
    assert!(err.to_string().contains("hyper-parameters"), "{err}");
    let err = validate_bytes(tmp.path(), &[]).unwrap_err();
    assert!(matches!(err, ModelError::Truncated { .. }), "{err}");
}

#[test]
fn bad_magic_is_reported() {
    let (tmp, mut bytes, _) = tiny_ggml();
    bytes[..4].copy_from_slice(b"GGUF");
    let err = validate_bytes(tmp.path(), &bytes).unwrap_err();
    assert!(matches!(err, ModelError::BadMagic { .. }), "{err}");
    assert_eq!(GGML_MAGIC.to_le_bytes(), *b"lmgg");
}

#[test]
fn missing_and_duplicate_tensors_are_reported() {
    let (tmp, bytes, file) = tiny_ggml();
    let r = record(&file, "decoder.blocks.0.cross_attn.value.weight");
    let mut cut = bytes[..r.start].to_vec();
    cut.extend_from_slice(&bytes[r.end..]);
    let err = validate_bytes(tmp.path(), &cut).unwrap_err();
    assert!(
        matches!(&err, ModelError::MissingTensor { name, .. } if name == "decoder.blocks.0.cross_attn.value.weight"),
        "{err}"
    );
    let mut dup = bytes.clone();
    dup.extend_from_slice(&bytes[r]);
    let err = validate_bytes(tmp.path(), &dup).unwrap_err();
    assert!(matches!(err, ModelError::DuplicateTensor { .. }), "{err}");
}

#[test]
fn f32_weights_and_f32_models_are_refused() {
    let (tmp, bytes, file) = tiny_ggml();
    // One 2-D weight stored as f32.
    let name = "encoder.blocks.0.mlp.0.weight";
    let t = file.tensor(name).unwrap().clone();
    let r = record(&file, name);
    let mut rec = Vec::new();
    rec.extend_from_slice(&(t.ne.len() as i32).to_le_bytes());
    rec.extend_from_slice(&(t.name.len() as i32).to_le_bytes());
    rec.extend_from_slice(&0i32.to_le_bytes());
    for d in &t.ne {
        rec.extend_from_slice(&(*d as i32).to_le_bytes());
    }
    rec.extend_from_slice(t.name.as_bytes());
    for v in f16s(&bytes[t.offset as usize..(t.offset + t.nbytes) as usize]) {
        rec.extend_from_slice(&v.to_le_bytes());
    }
    let mut f32_weight = bytes[..r.start].to_vec();
    f32_weight.extend_from_slice(&rec);
    f32_weight.extend_from_slice(&bytes[r.end..]);
    let err = validate_bytes(tmp.path(), &f32_weight).unwrap_err();
    assert!(matches!(err, ModelError::TensorType { .. }), "{err}");
    assert!(err.to_string().contains("f32 2-D weights"), "{err}");

    // An all-f32 model (ftype 0) crashes whisper.cpp 1.8 on CPU.
    let mut all_f32 = bytes.clone();
    all_f32[44..48].copy_from_slice(&0i32.to_le_bytes());
    let err = validate_bytes(tmp.path(), &all_f32).unwrap_err();
    assert!(
        matches!(err, ModelError::UnsupportedFtype { ftype: 0, .. }),
        "{err}"
    );
    // An ftype whisper.cpp does not know ends in GGML_ASSERT.
    all_f32[44..48].copy_from_slice(&5i32.to_le_bytes());
    let err = validate_bytes(tmp.path(), &all_f32).unwrap_err();
    assert!(
        matches!(err, ModelError::UnsupportedFtype { ftype: 5, .. }),
        "{err}"
    );
}

#[test]
fn impossible_headers_are_refused() {
    let (tmp, bytes, file) = tiny_ggml();
    // n_text_state != n_audio_state: whisper.cpp asserts.
    let mut b = bytes.clone();
    b[28..32].copy_from_slice(&64i32.to_le_bytes());
    let err = validate_bytes(tmp.path(), &b).unwrap_err();
    assert!(matches!(err, ModelError::BadHeader { .. }), "{err}");
    // A tensor with more than 4 dimensions overflows whisper.cpp's ne[4].
    let first = &file.tensors[0];
    let start = record(&file, &first.name.clone()).start;
    let mut b = bytes.clone();
    b[start..start + 4].copy_from_slice(&7i32.to_le_bytes());
    let err = validate_bytes(tmp.path(), &b).unwrap_err();
    assert!(err.to_string().contains("7 dimensions"), "{err}");
    // Wrong shape.
    let mut b = bytes.clone();
    let t = file.tensor("encoder.ln_post.weight").unwrap();
    let r = record(&file, "encoder.ln_post.weight");
    let _ = t;
    b[r.start + 12..r.start + 16].copy_from_slice(&16i32.to_le_bytes());
    let err = validate_bytes(tmp.path(), &b).unwrap_err();
    assert!(matches!(err, ModelError::TensorShape { .. }), "{err}");
}

// ---- import ----------------------------------------------------------------------------

#[test]
fn import_ggml_with_sha256_and_default() {
    let (tmp, bytes, file) = tiny_ggml();
    let store = ModelStore::open(Some(&tmp.path().join("models"))).unwrap();
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let wrong = ImportOptions {
        name: Some("tiny".into()),
        sha256: Some("0".repeat(64)),
        ..Default::default()
    };
    let err = import(&store, &file.info.path, &wrong, &mut NoProgress).unwrap_err();
    assert!(matches!(err, ModelError::Sha256Mismatch { .. }), "{err}");
    assert!(store.list().is_empty());

    let opts = ImportOptions {
        name: Some("tiny".into()),
        sha256: Some(sha.to_uppercase()),
        make_default: true,
        ..Default::default()
    };
    let report = import(&store, &file.info.path, &opts, &mut NoProgress).unwrap();
    assert_eq!(report.kind, ImportKind::Ggml);
    assert_eq!(report.installed.len(), 1);
    assert!(report.installed[0].is_default);
    assert_eq!(report.installed[0].sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(store.resolve(None).unwrap(), store.file_for("tiny"));
    // Same name again: refused without --force.
    let err = import(&store, &file.info.path, &opts, &mut NoProgress).unwrap_err();
    assert!(matches!(err, ModelError::AlreadyInstalled { .. }), "{err}");
    // A broken file is validated before anything is copied.
    let broken = tmp.path().join("broken.bin");
    std::fs::write(&broken, &bytes[..bytes.len() / 2]).unwrap();
    let err = import(&store, &broken, &ImportOptions::default(), &mut NoProgress).unwrap_err();
    assert!(matches!(err, ModelError::Truncated { .. }), "{err}");
    assert!(!store.file_for("broken").exists());
}

#[test]
fn import_ct2_directory_converts() {
    let (tmp, dir) = tiny_dir(Flaw::None);
    let store = ModelStore::open(Some(&tmp.path().join("models"))).unwrap();
    let opts = ImportOptions {
        types: vec![OutputType::Q8_0, OutputType::F16],
        ..Default::default()
    };
    let report = import(&store, &dir, &opts, &mut NoProgress).unwrap();
    assert_eq!(report.kind, ImportKind::Ct2);
    assert_eq!(report.converted.len(), 2);
    let names: Vec<_> = store.list().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["tiny-ct2-f16", "tiny-ct2-q8_0"]);
    assert_eq!(
        store.resolve(Some("tiny-ct2")).unwrap(),
        store.file_for("tiny-ct2-q8_0")
    );
    // The model.bin itself works as a path too.
    let again = ImportOptions {
        name: Some("again".into()),
        ..Default::default()
    };
    import(&store, &dir.join("model.bin"), &again, &mut NoProgress).unwrap();
    assert!(store.file_for("again-q8_0").is_file());
}
