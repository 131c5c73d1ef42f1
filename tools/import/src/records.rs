//! CSV records as SQL Server's tools write them, streamed from any reader: csv-core does the
//! parsing (quotes, doubled quotes, delimiters and newlines inside quotes, CRLF or LF); this
//! module adds what csv-core does not report and an import needs: whether each field was
//! quoted (an unquoted empty field is NULL, a quoted one `""` an empty string) and the
//! physical line on which each record starts (for error messages).
//!
//! A field was quoted exactly when the first byte of the raw input it consumed is `"`: csv-core
//! only enters a quoted field on a quote that starts the field. The raw input of a record's
//! first field may begin with the line terminators csv-core skips between records (the `\n`
//! of a CRLF, blank lines); those are skipped here too before looking.

use std::io::{self, Read};

/// Bytes read from the source at a time.
const INPUT: usize = 64 * 1024;

/// The UTF-8 byte order mark, which Windows tools write at the start of a file.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// One record: its fields' unescaped bytes and whether each was quoted.
pub struct Record<'a> {
    /// The 1-based physical line where the record starts.
    pub line: u64,
    output: &'a [u8],
    ends: &'a [usize],
    quoted: &'a [bool],
}

impl<'a> Record<'a> {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `index`: its bytes (quotes removed, doubled quotes undoubled) and whether it was
    /// quoted.
    pub fn field(&self, index: usize) -> (&'a [u8], bool) {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        (&self.output[start..self.ends[index]], self.quoted[index])
    }

    pub fn fields(&self) -> impl Iterator<Item = (&'a [u8], bool)> + '_ {
        (0..self.len()).map(|index| self.field(index))
    }
}

/// Why the input is not a CSV file this reader accepts.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("the file is UTF-16 (it starts with a UTF-16 byte order mark); export it as UTF-8")]
    Utf16,
}

pub struct RecordReader<R> {
    source: R,
    csv: csv_core::Reader,
    input: Box<[u8]>,
    /// `input[start..end]` is read from the source and not yet given to csv-core.
    start: usize,
    end: usize,
    eof: bool,
    started: bool,
    /// The physical line of `input[start]`.
    line: u64,
    output: Vec<u8>,
    ends: Vec<usize>,
    quoted: Vec<bool>,
}

impl<R: Read> RecordReader<R> {
    pub fn new(source: R) -> Self {
        Self {
            source,
            csv: csv_core::Reader::new(),
            input: vec![0; INPUT].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            started: false,
            line: 1,
            output: vec![0; 4096],
            ends: Vec::new(),
            quoted: Vec::new(),
        }
    }

    /// Reads more input once everything read so far has been consumed.
    fn fill(&mut self) -> io::Result<()> {
        if self.start < self.end || self.eof {
            return Ok(());
        }
        self.start = 0;
        self.end = 0;
        loop {
            match self.source.read(&mut self.input) {
                Ok(0) => self.eof = true,
                Ok(read) => self.end = read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
            return Ok(());
        }
    }

    /// At the very start: reads enough to see a byte order mark, and drops a UTF-8 one.
    fn start(&mut self) -> Result<(), ReadError> {
        self.started = true;
        while self.end < UTF8_BOM.len() && !self.eof {
            match self.source.read(&mut self.input[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(read) => self.end += read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error.into()),
            }
        }
        let head = &self.input[..self.end];
        if head.starts_with(UTF8_BOM) {
            self.start = UTF8_BOM.len();
        } else if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
            return Err(ReadError::Utf16);
        }
        Ok(())
    }

    /// The next record, or `None` at the end of the input.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, ReadError> {
        if !self.started {
            self.start()?;
        }
        self.ends.clear();
        self.quoted.clear();
        let mut written = 0;
        // Whether the current field's first raw byte has been seen (and so whether it was
        // quoted is known), and whether the current field is the record's first.
        let mut field_started = false;
        let mut quoted = false;
        let mut record_line = None;
        loop {
            self.fill()?;
            let input = &self.input[self.start..self.end];
            let (result, consumed, produced) = self.csv.read_field(input, &mut self.output[written..]);
            let raw = &input[..consumed];
            if !field_started && !raw.is_empty() {
                // Between records csv-core skips line terminators; the record starts after them.
                let skipped = if record_line.is_none() {
                    raw.iter().take_while(|&&byte| byte == b'\r' || byte == b'\n').count()
                } else {
                    0
                };
                if skipped < raw.len() {
                    field_started = true;
                    quoted = raw[skipped] == b'"';
                    if record_line.is_none() {
                        record_line = Some(self.line + newlines(&raw[..skipped]));
                    }
                }
            }
            self.line += newlines(raw);
            self.start += consumed;
            written += produced;
            match result {
                csv_core::ReadFieldResult::InputEmpty => {}
                csv_core::ReadFieldResult::OutputFull => {
                    let grown = self.output.len() * 2;
                    self.output.resize(grown, 0);
                }
                csv_core::ReadFieldResult::Field { record_end } => {
                    self.ends.push(written);
                    self.quoted.push(field_started && quoted);
                    field_started = false;
                    // A record's first field always consumes a byte, unless it is empty at
                    // the very end of the input (then the record started where it ended).
                    let line = *record_line.get_or_insert(self.line);
                    if record_end {
                        return Ok(Some(Record {
                            line,
                            output: &self.output[..written],
                            ends: &self.ends,
                            quoted: &self.quoted,
                        }));
                    }
                }
                csv_core::ReadFieldResult::End => return Ok(None),
            }
        }
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&byte| byte == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its bytes `step` at a time, to cross every buffer boundary.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// Every record as (line, [(text, quoted)]), read `step` bytes at a time.
    fn records(bytes: &[u8], step: usize) -> Vec<(u64, Vec<(String, bool)>)> {
        let mut reader = RecordReader::new(Trickle { bytes, step });
        let mut all = Vec::new();
        while let Some(record) = reader.next_record().unwrap() {
            let fields =
                record.fields().map(|(bytes, quoted)| (String::from_utf8(bytes.to_vec()).unwrap(), quoted)).collect();
            all.push((record.line, fields));
        }
        all
    }

    fn f(text: &str, quoted: bool) -> (String, bool) {
        (text.to_owned(), quoted)
    }

    #[test]
    fn quoted_and_unquoted_fields_and_their_lines_whatever_the_read_size() {
        let csv = "\u{FEFF}a,\"b,1\",,\"\"\r\n\"x\"\"y\",\"two\r\nlines\",NULL,\"NULL\"\r\n\r\n\"\",z,,\n";
        let expected = vec![
            (1, vec![f("a", false), f("b,1", true), f("", false), f("", true)]),
            (2, vec![f("x\"y", true), f("two\r\nlines", true), f("NULL", false), f("NULL", true)]),
            (5, vec![f("", true), f("z", false), f("", false), f("", false)]),
        ];
        for step in [1, 2, 3, 5, 7, 64, 100_000] {
            assert_eq!(records(csv.as_bytes(), step), expected, "read {step} bytes at a time");
        }
    }

    #[test]
    fn last_record_without_a_line_terminator() {
        for step in [1, 4, 1000] {
            assert_eq!(
                records(b"1,a\n2,", step),
                vec![(1, vec![f("1", false), f("a", false)]), (2, vec![f("2", false), f("", false)])]
            );
            assert_eq!(records(b"1,\"\"", step), vec![(1, vec![f("1", false), f("", true)])]);
        }
    }

    #[test]
    fn large_fields_grow_the_output_buffer() {
        let long = "é".repeat(50_000);
        let csv = format!("\"{long}\",x\n");
        assert_eq!(records(csv.as_bytes(), 1000), vec![(1, vec![f(&long, true), f("x", false)])]);
    }

    #[test]
    fn empty_input_has_no_records() {
        assert!(records(b"", 1).is_empty());
        assert!(records(UTF8_BOM, 1).is_empty());
        assert!(records(b"\r\n\n", 1).is_empty());
    }

    #[test]
    fn utf16_is_refused() {
        let mut reader = RecordReader::new(&b"\xFF\xFEa\0,\0"[..]);
        assert!(matches!(reader.next_record(), Err(ReadError::Utf16)));
    }
}
