meta:
  id: dduf
  title: DDUF (Diffusers Unified Format) container, version 0
  file-extension: dduf
  license: Apache-2.0
  ks-version: '0.11'
  endian: le
doc: |
  The byte layout of a DDUF archive (spec/dduf.md, "Byte layout" and "Reading an archive"),
  parsed end first as a DDUF reader does, never by scanning for signatures: the end record is
  the last 22 bytes of the file; when one of its values is saturated, the ZIP64 locator lies
  right before it and points at the ZIP64 end record; the end record (or the ZIP64 end record)
  places the central directory; each central header places its entry's local header, and the
  local header places the entry's data.

  This description covers the byte layout only. The rules that are not about where bytes lie
  (entry names, folders, model_index.json, the agreement of local and central headers, gaps and
  overlaps between entries) stay in the text of spec/dduf.md and in the reference reader.
doc-ref: spec/dduf.md
instances:
  end_record:
    pos: _io.size - 22
    type: end_record
    doc: The end of central directory record, the last 22 bytes of the file.
    doc-ref: DDUF-ZIP-001
  zip64_locator:
    pos: _io.size - 42
    type: zip64_locator
    if: end_record.is_saturated
    doc: |
      The ZIP64 end of central directory locator, right before the end record; read where the
      end record has a saturated value. Where none is saturated, ZIP64 end records may be present
      but repeat the end record's values (DDUF-ZIP-002), so the end record places the directory.
    doc-ref: DDUF-ZIP-002
  zip64_end_record:
    pos: zip64_locator.end_record_offset
    type: zip64_end_record
    if: end_record.is_saturated
    doc-ref: DDUF-ZIP-002
  directory_offset:
    value: 'end_record.is_saturated ? zip64_end_record.directory_offset : end_record.directory_offset'
    doc: Where the central directory starts.
    doc-ref: DDUF-ZIP-004
  directory_size:
    value: 'end_record.is_saturated ? zip64_end_record.directory_size : end_record.directory_size'
    doc-ref: DDUF-ZIP-004
  entry_count:
    value: 'end_record.is_saturated ? zip64_end_record.total_entries : end_record.total_entries'
    doc-ref: DDUF-ZIP-004
  central_directory:
    pos: directory_offset
    size: directory_size
    type: central_directory(entry_count)
    doc: |
      The central directory: entry_count central headers, read within the directory_size bytes
      from directory_offset (that they fill those bytes exactly is left to the reference).
    doc-ref: DDUF-ZIP-004
types:
  end_record:
    seq:
      - id: signature
        contents: [0x50, 0x4b, 0x05, 0x06]
        doc-ref: DDUF-ZIP-001
      - id: this_disk
        type: u2
        doc-ref: DDUF-ZIP-003
      - id: directory_disk
        type: u2
        doc-ref: DDUF-ZIP-003
      - id: entries_on_disk
        type: u2
        doc-ref: DDUF-ZIP-003
      - id: total_entries
        type: u2
      - id: directory_size
        type: u4
      - id: directory_offset
        type: u4
      - id: comment_length
        type: u2
        valid: 0
        doc: No archive comment, so that the end record is the last 22 bytes.
        doc-ref: DDUF-ZIP-001
    instances:
      is_saturated:
        value: >-
          entries_on_disk == 0xffff or total_entries == 0xffff
          or directory_size == 0xffffffff or directory_offset == 0xffffffff
        doc: A count, size or offset does not fit, so the ZIP64 end records hold it.
        doc-ref: DDUF-ZIP-002
  zip64_locator:
    seq:
      - id: signature
        contents: [0x50, 0x4b, 0x06, 0x07]
        doc-ref: DDUF-ZIP-002
      - id: end_record_disk
        type: u4
        doc-ref: DDUF-ZIP-003
      - id: end_record_offset
        type: u8
        valid:
          max: _root._io.size
        doc: Where the ZIP64 end record starts; it ends where this locator begins.
        doc-ref: [DDUF-ZIP-002, DDUF-ZIP-005]
      - id: total_disks
        type: u4
        doc-ref: DDUF-ZIP-003
  zip64_end_record:
    seq:
      - id: signature
        contents: [0x50, 0x4b, 0x06, 0x06]
        doc-ref: DDUF-ZIP-002
      - id: record_size
        type: u8
        doc: The bytes after this field (44 without extensible data).
      - id: version_made_by
        type: u2
      - id: version_needed
        type: u2
      - id: this_disk
        type: u4
        doc-ref: DDUF-ZIP-003
      - id: directory_disk
        type: u4
        doc-ref: DDUF-ZIP-003
      - id: entries_on_disk
        type: u8
        doc-ref: DDUF-ZIP-003
      - id: total_entries
        type: u8
      - id: directory_size
        type: u8
      - id: directory_offset
        type: u8
        valid:
          max: _root._io.size
        doc-ref: DDUF-ZIP-005
  central_directory:
    params:
      - id: count
        type: u8
    seq:
      - id: headers
        type: central_header
        repeat: expr
        repeat-expr: count
  central_header:
    seq:
      - id: signature
        contents: [0x50, 0x4b, 0x01, 0x02]
        doc-ref: DDUF-ZIP-004
      - id: version_made_by
        type: u2
        doc-ref: DDUF-ENTRY-007
      - id: version_needed
        type: u2
      - id: flags
        type: u2
        doc-ref: [DDUF-ENTRY-003, DDUF-ENTRY-004, DDUF-NAME-001]
      - id: method
        type: u2
        doc-ref: DDUF-ENTRY-001
      - id: mtime
        type: u2
      - id: mdate
        type: u2
      - id: crc32
        type: u4
        doc-ref: DDUF-DEEP-001
      - id: compressed_size
        type: u4
        doc-ref: DDUF-ENTRY-002
      - id: uncompressed_size
        type: u4
        doc-ref: DDUF-ENTRY-002
      - id: name_length
        type: u2
      - id: extra_length
        type: u2
      - id: comment_length
        type: u2
      - id: disk_start
        type: u2
        doc-ref: DDUF-ZIP-003
      - id: internal_attributes
        type: u2
      - id: external_attributes
        type: u4
        doc-ref: DDUF-ENTRY-007
      - id: local_header_offset
        type: u4
        doc-ref: DDUF-ENTRY-005
      - id: name
        type: str
        size: name_length
        encoding: UTF-8
        doc-ref: DDUF-NAME-001
      - id: extra
        size: extra_length
        type: >-
          extra_field(uncompressed_size == 0xffffffff, compressed_size == 0xffffffff,
          local_header_offset == 0xffffffff)
        valid:
          expr: _.has_zip64 or not (_.has_uncompressed_size or _.has_compressed_size or _.has_offset)
        doc: Where a size or offset is 0xFFFFFFFF, a ZIP64 information record holds its value.
        doc-ref: DDUF-ZIP-009
      - id: comment
        size: comment_length
    instances:
      compressed_size_64:
        value: 'compressed_size == 0xffffffff ? extra.zip64.compressed_size : compressed_size'
        doc: The compressed size, from the ZIP64 information record where it is saturated.
        doc-ref: DDUF-ZIP-009
      uncompressed_size_64:
        value: 'uncompressed_size == 0xffffffff ? extra.zip64.uncompressed_size : uncompressed_size'
        doc-ref: DDUF-ZIP-009
      local_header_offset_64:
        value: 'local_header_offset == 0xffffffff ? extra.zip64.local_header_offset : local_header_offset'
        doc-ref: DDUF-ZIP-009
      local_header:
        io: _root._io
        pos: local_header_offset_64
        type: local_header(local_header_offset_64)
        doc: The entry's local header, at the offset this central header gives.
        doc-ref: DDUF-ENTRY-005
  local_header:
    params:
      - id: offset
        type: u8
        doc: Where this header starts in the file.
    seq:
      - id: signature
        contents: [0x50, 0x4b, 0x03, 0x04]
        doc-ref: DDUF-ENTRY-005
      - id: version_needed
        type: u2
      - id: flags
        type: u2
        doc-ref: DDUF-ENTRY-006
      - id: method
        type: u2
        doc-ref: DDUF-ENTRY-006
      - id: mtime
        type: u2
      - id: mdate
        type: u2
      - id: crc32
        type: u4
        doc-ref: DDUF-ENTRY-006
      - id: compressed_size
        type: u4
        doc-ref: DDUF-ENTRY-006
      - id: uncompressed_size
        type: u4
        doc-ref: DDUF-ENTRY-006
      - id: name_length
        type: u2
      - id: extra_length
        type: u2
      - id: name
        type: str
        size: name_length
        encoding: UTF-8
        doc-ref: DDUF-ENTRY-006
      - id: extra
        size: extra_length
        type: extra_field(uncompressed_size == 0xffffffff, compressed_size == 0xffffffff, false)
        valid:
          expr: _.has_zip64 or not (_.has_uncompressed_size or _.has_compressed_size)
        doc: |
          A local header's own extra field: a ZIP64 information record where its sizes are
          saturated (as zipfile's force_zip64 writes), alignment padding.
        doc-ref: DDUF-ZIP-009
    instances:
      data_offset:
        value: offset + 30 + name_length + extra_length
        doc: Where the entry's data starts, from this local header's lengths (not the central one's).
        doc-ref: DDUF-ENTRY-006
  extra_field:
    doc: A sequence of (ID, size, data) records that fills the extra field exactly.
    doc-ref: DDUF-ZIP-009
    params:
      - id: has_uncompressed_size
        type: bool
      - id: has_compressed_size
        type: bool
      - id: has_offset
        type: bool
    seq:
      - id: records
        type: extra_record(has_uncompressed_size, has_compressed_size, has_offset)
        repeat: eos
    instances:
      records_to_zip64:
        pos: 0
        type: extra_record(has_uncompressed_size, has_compressed_size, has_offset)
        repeat: until
        repeat-until: _.header_id == 0x0001 or _io.eof
        if: _io.size > 0
        doc: |
          The records again, up to the first ZIP64 information record: the expression language
          has no search, so this second reading ends on that record (or on the last one).
      has_zip64:
        value: _io.size > 0 and records_to_zip64.last.header_id == 0x0001
      zip64:
        value: records_to_zip64.last.body.as<zip64_information>
        if: has_zip64
        doc: The ZIP64 information record, where the extra field holds one.
  extra_record:
    params:
      - id: has_uncompressed_size
        type: bool
      - id: has_compressed_size
        type: bool
      - id: has_offset
        type: bool
    seq:
      - id: header_id
        type: u2
      - id: data_size
        type: u2
      - id: body
        size: data_size
        type:
          switch-on: header_id
          cases:
            0x0001: zip64_information(has_uncompressed_size, has_compressed_size, has_offset)
            0xd935: alignment_padding
        doc: The record's data; raw bytes for the IDs DDUF readers need not know.
  zip64_information:
    doc: |
      The ZIP64 extended information record (ID 0x0001): a 64-bit value for each field that is
      saturated in the header that holds the record, and only for those, in APPNOTE order.
    doc-ref: DDUF-ZIP-009
    params:
      - id: has_uncompressed_size
        type: bool
      - id: has_compressed_size
        type: bool
      - id: has_offset
        type: bool
    seq:
      - id: uncompressed_size
        type: u8
        if: has_uncompressed_size
      - id: compressed_size
        type: u8
        if: has_compressed_size
      - id: local_header_offset
        type: u8
        if: has_offset
        valid:
          max: _root._io.size
        doc-ref: DDUF-ZIP-005
  alignment_padding:
    doc: |
      Android zipalign's padding record (ID 0xD935), which moves an entry's data to a multiple
      of its alignment; readers need only its length.
    doc-ref: DDUF-WRITE-003
    seq:
      - id: alignment
        type: u2
      - id: padding
        size-eos: true
