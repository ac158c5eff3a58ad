//! Reader for CTranslate2's `model.bin` (binary version 6), the format faster-whisper models
//! come in. Only the variable table is parsed up front; data is read on demand by offset, so a
//! model is never held in memory whole.
//!
//! Layout (little-endian): `u32` version; spec name; `u32` spec revision; `u32` variable count;
//! per variable its name, `u8` rank, `rank` × `u32` dims, `u8` dtype (0 f32, 1 i8, 2 i16,
//! 3 i32, 4 f16, 5 bf16), `u32` byte count and the data; then `u32` alias count and pairs of
//! names (alias, target). Strings are a `u16` length (with the trailing NUL) and the bytes.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::source::SourceModel;
use super::ModelError;

/// The binary version this reader understands.
pub const CT2_BINARY_VERSION: u32 = 6;

/// Element type of a CTranslate2 variable (ids 0 f32, 1 i8, 2 i16, 3 i32, 4 f16, 5 bf16).
pub use super::source::Dtype as Ct2Dtype;
/// One variable of a CTranslate2 model.
pub use super::source::SourceTensor as Ct2Variable;

fn dtype_from_id(id: u8) -> Option<Ct2Dtype> {
    Some(match id {
        0 => Ct2Dtype::F32,
        1 => Ct2Dtype::I8,
        2 => Ct2Dtype::I16,
        3 => Ct2Dtype::I32,
        4 => Ct2Dtype::F16,
        5 => Ct2Dtype::BF16,
        _ => return None,
    })
}

/// The variable table of a CTranslate2 `model.bin`.
#[derive(Debug, Clone)]
pub struct Ct2Model {
    /// The file.
    pub path: PathBuf,
    /// The model spec name (`WhisperSpec` for Whisper).
    pub spec: String,
    /// The spec revision.
    pub revision: u32,
    /// Variables in file order.
    pub variables: Vec<Ct2Variable>,
    /// `alias -> target` names.
    pub aliases: Vec<(String, String)>,
    by_name: HashMap<String, usize>,
}

impl Ct2Model {
    /// Parses the variable table of `path` (a `model.bin`).
    pub fn open(path: &Path) -> Result<Ct2Model, ModelError> {
        let file = File::open(path).map_err(|e| ModelError::io(path, e))?;
        let size = file.metadata().map_err(|e| ModelError::io(path, e))?.len();
        let mut r = TableReader {
            inner: BufReader::with_capacity(1 << 16, file),
            pos: 0,
            size,
            path,
        };
        let version = r.u32()?;
        if version != CT2_BINARY_VERSION {
            return Err(ModelError::Ct2Unsupported {
                path: path.to_path_buf(),
                reason: format!(
                    "binary version {version}; Dikta reads version {CT2_BINARY_VERSION} (convert the model with CTranslate2 3.x or 4.x)"
                ),
            });
        }
        let spec = r.string()?;
        let revision = r.u32()?;
        let count = r.u32()?;
        let mut variables = Vec::new();
        let mut by_name = HashMap::new();
        for _ in 0..count {
            let name = r.string()?;
            let rank = r.u8()?;
            if rank > 4 {
                return Err(r.bad(format!("variable '{name}' has rank {rank}")));
            }
            let mut dims = Vec::with_capacity(rank as usize);
            for _ in 0..rank {
                dims.push(r.u32()? as u64);
            }
            let dtype_id = r.u8()?;
            let dtype = dtype_from_id(dtype_id)
                .ok_or_else(|| r.bad(format!("variable '{name}' has unknown dtype {dtype_id}")))?;
            let nbytes = r.u32()? as u64;
            let elements: u64 = dims.iter().product();
            if elements * dtype.size() != nbytes {
                return Err(r.bad(format!(
                    "variable '{name}' of shape {dims:?} and type {} has {nbytes} bytes",
                    dtype.name()
                )));
            }
            let offset = r.pos;
            let small = if nbytes <= 8 {
                Some(r.bytes(nbytes as usize)?)
            } else {
                r.skip(nbytes)?;
                None
            };
            by_name.insert(name.clone(), variables.len());
            variables.push(Ct2Variable {
                name,
                dims,
                dtype,
                file: 0,
                offset,
                nbytes,
                small,
            });
        }
        let mut aliases = Vec::new();
        if r.pos < size {
            let n = r.u32()?;
            for _ in 0..n {
                let alias = r.string()?;
                let target = r.string()?;
                aliases.push((alias, target));
            }
        }
        Ok(Ct2Model {
            path: path.to_path_buf(),
            spec,
            revision,
            variables,
            aliases,
            by_name,
        })
    }

    /// A variable by name (aliases are not followed).
    pub fn get(&self, name: &str) -> Option<&Ct2Variable> {
        self.by_name.get(name).map(|&i| &self.variables[i])
    }

    /// Index of a variable by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The variables as a converter source.
    pub fn into_source(self) -> SourceModel {
        SourceModel::new(self.path.clone(), vec![self.path], self.variables)
    }
}

struct TableReader<'a> {
    inner: BufReader<File>,
    pos: u64,
    size: u64,
    path: &'a Path,
}

impl TableReader<'_> {
    fn bad(&self, reason: String) -> ModelError {
        ModelError::Ct2 {
            path: self.path.to_path_buf(),
            reason,
        }
    }

    fn bytes(&mut self, n: usize) -> Result<Vec<u8>, ModelError> {
        if self.pos + n as u64 > self.size {
            return Err(self.bad(format!(
                "file ends at byte {} inside the variable table (truncated)",
                self.size
            )));
        }
        let mut buf = vec![0u8; n];
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| ModelError::io(self.path, e))?;
        self.pos += n as u64;
        Ok(buf)
    }

    fn skip(&mut self, n: u64) -> Result<(), ModelError> {
        if self.pos + n > self.size {
            return Err(self.bad(format!(
                "file ends at byte {} inside a variable's data (truncated)",
                self.size
            )));
        }
        self.inner
            .seek_relative(n as i64)
            .map_err(|e| ModelError::io(self.path, e))?;
        self.pos += n;
        Ok(())
    }

    fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(self.bytes(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, ModelError> {
        let b = self.bytes(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, ModelError> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<String, ModelError> {
        let n = self.u16()? as usize;
        let mut b = self.bytes(n)?;
        if b.last() == Some(&0) {
            b.pop();
        }
        String::from_utf8(b).map_err(|_| self.bad("a name is not valid UTF-8".into()))
    }
}
