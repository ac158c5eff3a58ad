//! The CT2 -> ggml converter against the real Whisper base weights.
//!
//! Needs the CTranslate2 base model: `DIKTA_TEST_CT2_DIR` (a directory with `model.bin`,
//! `config.json` and `vocabulary.txt`), else the one `dikta model install --keep-download`
//! leaves in the models directory. Without it the conversion test says so and checks nothing;
//! the checks of an installed model run whenever `ggml-base-q8_0.bin` / `ggml-base-f16.bin`
//! are in the default models directory. `DIKTA_TEST_OUTPUT_DIR` keeps the converted files.

use std::collections::HashSet;
use std::path::PathBuf;

use dikta_engine::model::ggml::{expected_tensors, GgmlType};
use dikta_engine::model::{
    convert_ct2, read_ggml, GgmlFile, Manifest, ModelStore, NoProgress, OutputType,
};

fn ct2_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("DIKTA_TEST_CT2_DIR") {
        Some(d) => PathBuf::from(d),
        // What `dikta model install --keep-download` leaves.
        None => ModelStore::open(None)
            .ok()?
            .dir()
            .join(".download/base/ct2"),
    };
    if dir.join("model.bin").is_file() {
        Some(dir)
    } else {
        if std::env::var_os("DIKTA_TEST_CT2_DIR").is_some() {
            eprintln!("{} has no model.bin", dir.display());
        }
        None
    }
}

/// Checks everything a converted base model must satisfy.
fn check_base(file: &GgmlFile, ty: GgmlType) {
    let info = &file.info;
    let manifest = Manifest::builtin().unwrap();
    manifest.get("base").unwrap().expect.check(info).unwrap();
    assert_eq!(info.ftype_name, ty.name());
    assert_eq!(info.size_name, "base");
    assert!(info.multilingual);
    assert_eq!(
        info.n_vocab_tokens, 50257,
        "text tokens below <|endoftext|>"
    );

    // Every tensor whisper.cpp allocates, once, with its shape and type.
    let expected = expected_tensors(&info.hparams, ty);
    assert_eq!(file.tensors.len(), expected.len());
    let names: HashSet<&str> = file.tensors.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names.len(), file.tensors.len(), "duplicate tensors");
    for e in &expected {
        let t = file
            .tensor(&e.name)
            .unwrap_or_else(|| panic!("missing {}", e.name));
        assert_eq!(t.ne, e.ne, "{}", e.name);
        assert_eq!(t.ttype, e.ttype, "{}", e.name);
    }
    // Spot checks of the rules: conv kernels f16 even in q8_0, conv bias [1, d] f32,
    // positions f32, token embedding in the weight type, no key bias.
    let conv = file.tensor("encoder.conv1.weight").unwrap();
    assert_eq!(
        (conv.ne.clone(), conv.ttype),
        (vec![3, 80, 512], GgmlType::F16)
    );
    let bias = file.tensor("encoder.conv2.bias").unwrap();
    assert_eq!((bias.ne.clone(), bias.ttype), (vec![1, 512], GgmlType::F32));
    let pe = file.tensor("encoder.positional_embedding").unwrap();
    assert_eq!((pe.ne.clone(), pe.ttype), (vec![512, 1500], GgmlType::F32));
    let te = file.tensor("decoder.token_embedding.weight").unwrap();
    assert_eq!((te.ne.clone(), te.ttype), (vec![512, 51865], ty));
    assert!(file.tensor("encoder.blocks.0.attn.key.bias").is_none());

    // The mel filter bank: 80 x 201, each band a positive triangle.
    let mel = file.read_mel_filters().unwrap();
    assert_eq!(mel.len(), 80 * 201);
    assert!((mel[1] - 0.024_862_593).abs() < 1e-7);

    // Vocabulary bytes: GPT-2's byte alphabet undone. Plain ASCII words, a space-prefixed
    // token, and Danish letters (which may be split across tokens: join and decode).
    let v = &file.vocab;
    assert_eq!(v[0], b"!");
    assert_eq!(v[220], b" ");
    assert!(v.iter().any(|t| t.as_slice() == b" the"));
    let pieces: Vec<&[u8]> = ["æ", "ø", "å"]
        .iter()
        .filter_map(|c| {
            v.iter()
                .find(|t| t.as_slice() == c.as_bytes())
                .map(|t| t.as_slice())
        })
        .collect();
    assert_eq!(pieces.len(), 3, "æ, ø and å are single tokens");
    let danish = [" på", " være", " også", " før", " får", " så"];
    let found: Vec<&str> = danish
        .iter()
        .copied()
        .filter(|w| v.iter().any(|t| t.as_slice() == w.as_bytes()))
        .collect();
    assert!(found.len() >= 4, "Danish tokens found: {found:?}");
    let valid = v.iter().filter(|t| std::str::from_utf8(t).is_ok()).count();
    assert!(
        valid > 45_000,
        "{valid} tokens are valid UTF-8 on their own"
    );
}

#[test]
fn converts_real_base_weights_f16_and_q8_0() {
    let Some(src) = ct2_dir() else {
        eprintln!("SKIP: no CTranslate2 base model (set DIKTA_TEST_CT2_DIR or run `dikta model install --keep-download`) to test the converter on real weights");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = std::env::var_os("DIKTA_TEST_OUTPUT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    for ty in [OutputType::F16, OutputType::Q8_0] {
        let out = out_dir.join(format!("ggml-base-{}.bin", ty.name()));
        let report = convert_ct2(&src, &out, ty, &mut NoProgress).unwrap();
        eprintln!(
            "{}: {} bytes in {:.2?}, sha256 {}",
            ty, report.bytes, report.elapsed, report.sha256
        );
        let file = read_ggml(&out).unwrap();
        assert_eq!(file.info.file_size, report.bytes);
        check_base(&file, ty.ggml_type());
        if ty == OutputType::F16 {
            // f16 -> f16 is a byte copy: the first query rows are the fused matrix's first rows.
            let q = file
                .read_tensor_data("decoder.blocks.0.attn.query.weight")
                .unwrap();
            assert_eq!(q.len(), 512 * 512 * 2);
        }
    }
}

#[test]
fn installed_base_models_are_complete() {
    let Ok(store) = ModelStore::open(None) else {
        eprintln!("SKIP: no models directory");
        return;
    };
    let mut checked = 0;
    for (ty, name) in [(GgmlType::Q8_0, "base-q8_0"), (GgmlType::F16, "base-f16")] {
        let path = store.file_for(name);
        if !path.is_file() {
            eprintln!("SKIP: {} not installed", path.display());
            continue;
        }
        check_base(&read_ggml(&path).unwrap(), ty);
        checked += 1;
    }
    eprintln!("checked {checked} installed base model(s)");
}
