//! A model's tensors as the converter sees them, whatever the source format: name, shape,
//! element type and where the data lies (which file, which offset). Data is read on demand.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::ModelError;

/// Element type of a source tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// 32-bit float.
    F32,
    /// 8-bit integer (CTranslate2 int8 weights, with a `weight_scale` beside them).
    I8,
    /// 16-bit integer.
    I16,
    /// 32-bit integer.
    I32,
    /// 16-bit IEEE float.
    F16,
    /// bfloat16.
    BF16,
}

impl Dtype {
    /// Bytes per element.
    pub fn size(self) -> u64 {
        match self {
            Dtype::I8 => 1,
            Dtype::I16 | Dtype::F16 | Dtype::BF16 => 2,
            Dtype::F32 | Dtype::I32 => 4,
        }
    }

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F32 => "float32",
            Dtype::I8 => "int8",
            Dtype::I16 => "int16",
            Dtype::I32 => "int32",
            Dtype::F16 => "float16",
            Dtype::BF16 => "bfloat16",
        }
    }
}

/// One tensor of a source model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceTensor {
    /// Its name in the source format.
    pub name: String,
    /// Dimensions, slowest first (`[out, in]` for linear weights).
    pub dims: Vec<u64>,
    /// Element type.
    pub dtype: Dtype,
    /// Index into [`SourceModel::files`].
    pub file: usize,
    /// Offset of the data in that file.
    pub offset: u64,
    /// Data size in bytes.
    pub nbytes: u64,
    /// The data of scalars and other tiny tensors (at most 8 bytes), read eagerly.
    pub small: Option<Vec<u8>>,
}

impl SourceTensor {
    /// Number of elements.
    pub fn elements(&self) -> u64 {
        self.dims.iter().product()
    }

    /// The value of an integer scalar (e.g. CTranslate2's `num_heads`).
    pub fn scalar_int(&self) -> Option<i64> {
        let b = self.small.as_deref()?;
        match (self.dtype, b.len()) {
            (Dtype::I8, 1) => Some(b[0] as i8 as i64),
            (Dtype::I16, 2) => Some(i16::from_le_bytes([b[0], b[1]]) as i64),
            (Dtype::I32, 4) => Some(i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64),
            _ => None,
        }
    }
}

/// The tensor table of a model spread over one or more files.
#[derive(Debug, Clone)]
pub struct SourceModel {
    /// What to name in messages (the model file or directory).
    pub path: PathBuf,
    /// The data files.
    pub files: Vec<PathBuf>,
    /// Tensors in file order.
    pub tensors: Vec<SourceTensor>,
    by_name: HashMap<String, usize>,
}

impl SourceModel {
    /// Builds the table.
    pub fn new(path: PathBuf, files: Vec<PathBuf>, tensors: Vec<SourceTensor>) -> SourceModel {
        let by_name = tensors
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        SourceModel {
            path,
            files,
            tensors,
            by_name,
        }
    }

    /// A tensor by name.
    pub fn get(&self, name: &str) -> Option<&SourceTensor> {
        self.by_name.get(name).map(|&i| &self.tensors[i])
    }

    /// Index of a tensor by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
}

/// Opened data files of a [`SourceModel`], for reading tensor data by range.
pub(crate) struct SourceReader<'a> {
    model: &'a SourceModel,
    open: Vec<Option<File>>,
}

impl<'a> SourceReader<'a> {
    pub(crate) fn new(model: &'a SourceModel) -> Self {
        SourceReader {
            model,
            open: model.files.iter().map(|_| None).collect(),
        }
    }

    /// Reads `len` bytes at `offset` of tensor `t`'s file.
    pub(crate) fn read(
        &mut self,
        t: &SourceTensor,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, ModelError> {
        let path = &self.model.files[t.file];
        let file = match &mut self.open[t.file] {
            Some(f) => f,
            slot => slot.insert(File::open(path).map_err(|e| ModelError::io(path, e))?),
        };
        read_range(file, path, offset, len)
    }
}

/// Reads a range of a file; running out of data is reported as truncation.
pub(crate) fn read_range(
    file: &mut File,
    path: &Path,
    offset: u64,
    len: usize,
) -> Result<Vec<u8>, ModelError> {
    let mut buf = vec![0u8; len];
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| ModelError::io(path, e))?;
    file.read_exact(&mut buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => ModelError::Ct2 {
            path: path.to_path_buf(),
            reason: "file ends inside a tensor's data (truncated)".into(),
        },
        _ => ModelError::io(path, e),
    })?;
    Ok(buf)
}
