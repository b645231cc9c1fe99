# This is a generated file! Please edit source .ksy file and use kaitai-struct-compiler to rebuild
# type: ignore

import kaitaistruct
from kaitaistruct import KaitaiStruct, KaitaiStream, BytesIO


if getattr(kaitaistruct, 'API_VERSION', (0, 9)) < (0, 11):
    raise Exception("Incompatible Kaitai Struct Python API: 0.11 or later is required, but you have %s" % (kaitaistruct.__version__))

class Dduf(KaitaiStruct):
    """The byte layout of a DDUF archive (spec/dduf.md, "Byte layout" and "Reading an archive"),
    parsed end first as a DDUF reader does, never by scanning for signatures: the end record is
    the last 22 bytes of the file; when one of its values is saturated, the ZIP64 locator lies
    right before it and points at the ZIP64 end record; the end record (or the ZIP64 end record)
    places the central directory; each central header places its entry's local header, and the
    local header places the entry's data.
    
    This description covers the byte layout only. The rules that are not about where bytes lie
    (entry names, folders, model_index.json, the agreement of local and central headers, gaps and
    overlaps between entries) stay in the text of spec/dduf.md and in the reference reader.
    
    .. seealso::
       spec/dduf.md
    """
    def __init__(self, _io, _parent=None, _root=None):
        super(Dduf, self).__init__(_io)
        self._parent = _parent
        self._root = _root or self
        self._read()

    def _read(self):
        pass


    def _fetch_instances(self):
        pass
        _ = self.central_directory
        if hasattr(self, '_m_central_directory'):
            pass
            self._m_central_directory._fetch_instances()

        _ = self.end_record
        if hasattr(self, '_m_end_record'):
            pass
            self._m_end_record._fetch_instances()

        _ = self.zip64_end_record
        if hasattr(self, '_m_zip64_end_record'):
            pass
            self._m_zip64_end_record._fetch_instances()

        _ = self.zip64_locator
        if hasattr(self, '_m_zip64_locator'):
            pass
            self._m_zip64_locator._fetch_instances()


    class AlignmentPadding(KaitaiStruct):
        """Android zipalign's padding record (ID 0xD935), which moves an entry's data to a multiple
        of its alignment; readers need only its length.
        
        .. seealso::
           DDUF-WRITE-003
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(Dduf.AlignmentPadding, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.alignment = self._io.read_u2le()
            self.padding = self._io.read_bytes_full()


        def _fetch_instances(self):
            pass


    class CentralDirectory(KaitaiStruct):
        def __init__(self, count, _io, _parent=None, _root=None):
            super(Dduf.CentralDirectory, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self.count = count
            self._read()

        def _read(self):
            self.headers = []
            for i in range(self.count):
                self.headers.append(Dduf.CentralHeader(self._io, self, self._root))



        def _fetch_instances(self):
            pass
            for i in range(len(self.headers)):
                pass
                self.headers[i]._fetch_instances()



    class CentralHeader(KaitaiStruct):
        def __init__(self, _io, _parent=None, _root=None):
            super(Dduf.CentralHeader, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.signature = self._io.read_bytes(4)
            if not self.signature == b"\x50\x4B\x01\x02":
                raise kaitaistruct.ValidationNotEqualError(b"\x50\x4B\x01\x02", self.signature, self._io, u"/types/central_header/seq/0")
            self.version_made_by = self._io.read_u2le()
            self.version_needed = self._io.read_u2le()
            self.flags = self._io.read_u2le()
            self.method = self._io.read_u2le()
            self.mtime = self._io.read_u2le()
            self.mdate = self._io.read_u2le()
            self.crc32 = self._io.read_u4le()
            self.compressed_size = self._io.read_u4le()
            self.uncompressed_size = self._io.read_u4le()
            self.name_length = self._io.read_u2le()
            self.extra_length = self._io.read_u2le()
            self.comment_length = self._io.read_u2le()
            self.disk_start = self._io.read_u2le()
            self.internal_attributes = self._io.read_u2le()
            self.external_attributes = self._io.read_u4le()
            self.local_header_offset = self._io.read_u4le()
            self.name = (self._io.read_bytes(self.name_length)).decode(u"UTF-8")
            self._raw_extra = self._io.read_bytes(self.extra_length)
            _io__raw_extra = KaitaiStream(BytesIO(self._raw_extra))
            self.extra = Dduf.ExtraField(self.uncompressed_size == 4294967295, self.compressed_size == 4294967295, self.local_header_offset == 4294967295, _io__raw_extra, self, self._root)
            _ = self.extra
            if not  ((_.has_zip64) or ((not ( ((_.has_uncompressed_size) or (_.has_compressed_size) or (_.has_offset)) )))) :
                raise kaitaistruct.ValidationExprError(self.extra, self._io, u"/types/central_header/seq/18")
            self.comment = self._io.read_bytes(self.comment_length)


        def _fetch_instances(self):
            pass
            self.extra._fetch_instances()
            _ = self.local_header
            if hasattr(self, '_m_local_header'):
                pass
                self._m_local_header._fetch_instances()


        @property
        def compressed_size_64(self):
            """The compressed size, from the ZIP64 information record where it is saturated.
            
            .. seealso::
               DDUF-ZIP-009
            """
            if hasattr(self, '_m_compressed_size_64'):
                return self._m_compressed_size_64

            self._m_compressed_size_64 = (self.extra.zip64.compressed_size if self.compressed_size == 4294967295 else self.compressed_size)
            return getattr(self, '_m_compressed_size_64', None)

        @property
        def local_header(self):
            """The entry's local header, at the offset this central header gives.
            
            .. seealso::
               DDUF-ENTRY-005
            """
            if hasattr(self, '_m_local_header'):
                return self._m_local_header

            io = self._root._io
            _pos = io.pos()
            io.seek(self.local_header_offset_64)
            self._m_local_header = Dduf.LocalHeader(self.local_header_offset_64, io, self, self._root)
            io.seek(_pos)
            return getattr(self, '_m_local_header', None)

        @property
        def local_header_offset_64(self):
            """
            .. seealso::
               DDUF-ZIP-009
            """
            if hasattr(self, '_m_local_header_offset_64'):
                return self._m_local_header_offset_64

            self._m_local_header_offset_64 = (self.extra.zip64.local_header_offset if self.local_header_offset == 4294967295 else self.local_header_offset)
            return getattr(self, '_m_local_header_offset_64', None)

        @property
        def uncompressed_size_64(self):
            """
            .. seealso::
               DDUF-ZIP-009
            """
            if hasattr(self, '_m_uncompressed_size_64'):
                return self._m_uncompressed_size_64

            self._m_uncompressed_size_64 = (self.extra.zip64.uncompressed_size if self.uncompressed_size == 4294967295 else self.uncompressed_size)
            return getattr(self, '_m_uncompressed_size_64', None)


    class EndRecord(KaitaiStruct):
        def __init__(self, _io, _parent=None, _root=None):
            super(Dduf.EndRecord, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.signature = self._io.read_bytes(4)
            if not self.signature == b"\x50\x4B\x05\x06":
                raise kaitaistruct.ValidationNotEqualError(b"\x50\x4B\x05\x06", self.signature, self._io, u"/types/end_record/seq/0")
            self.this_disk = self._io.read_u2le()
            self.directory_disk = self._io.read_u2le()
            self.entries_on_disk = self._io.read_u2le()
            self.total_entries = self._io.read_u2le()
            self.directory_size = self._io.read_u4le()
            self.directory_offset = self._io.read_u4le()
            self.comment_length = self._io.read_u2le()
            if not self.comment_length == 0:
                raise kaitaistruct.ValidationNotEqualError(0, self.comment_length, self._io, u"/types/end_record/seq/7")


        def _fetch_instances(self):
            pass

        @property
        def is_saturated(self):
            """A count, size or offset does not fit, so the ZIP64 end records hold it.
            
            .. seealso::
               DDUF-ZIP-002
            """
            if hasattr(self, '_m_is_saturated'):
                return self._m_is_saturated

            self._m_is_saturated =  ((self.entries_on_disk == 65535) or (self.total_entries == 65535) or (self.directory_size == 4294967295) or (self.directory_offset == 4294967295)) 
            return getattr(self, '_m_is_saturated', None)


    class ExtraField(KaitaiStruct):
        """A sequence of (ID, size, data) records that fills the extra field exactly.
        
        .. seealso::
           DDUF-ZIP-009
        """
        def __init__(self, has_uncompressed_size, has_compressed_size, has_offset, _io, _parent=None, _root=None):
            super(Dduf.ExtraField, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self.has_uncompressed_size = has_uncompressed_size
            self.has_compressed_size = has_compressed_size
            self.has_offset = has_offset
            self._read()

        def _read(self):
            self.records = []
            i = 0
            while not self._io.is_eof():
                self.records.append(Dduf.ExtraRecord(self.has_uncompressed_size, self.has_compressed_size, self.has_offset, self._io, self, self._root))
                i += 1



        def _fetch_instances(self):
            pass
            for i in range(len(self.records)):
                pass
                self.records[i]._fetch_instances()

            _ = self.records_to_zip64
            if hasattr(self, '_m_records_to_zip64'):
                pass
                for i in range(len(self._m_records_to_zip64)):
                    pass
                    self._m_records_to_zip64[i]._fetch_instances()



        @property
        def has_zip64(self):
            if hasattr(self, '_m_has_zip64'):
                return self._m_has_zip64

            self._m_has_zip64 =  ((self._io.size() > 0) and (self.records_to_zip64[-1].header_id == 1)) 
            return getattr(self, '_m_has_zip64', None)

        @property
        def records_to_zip64(self):
            """The records again, up to the first ZIP64 information record: the expression language
            has no search, so this second reading ends on that record (or on the last one).
            """
            if hasattr(self, '_m_records_to_zip64'):
                return self._m_records_to_zip64

            if self._io.size() > 0:
                pass
                _pos = self._io.pos()
                self._io.seek(0)
                self._m_records_to_zip64 = []
                i = 0
                while True:
                    _ = Dduf.ExtraRecord(self.has_uncompressed_size, self.has_compressed_size, self.has_offset, self._io, self, self._root)
                    self._m_records_to_zip64.append(_)
                    if  ((_.header_id == 1) or (self._io.is_eof())) :
                        break
                    i += 1
                self._io.seek(_pos)

            return getattr(self, '_m_records_to_zip64', None)

        @property
        def zip64(self):
            """The ZIP64 information record, where the extra field holds one."""
            if hasattr(self, '_m_zip64'):
                return self._m_zip64

            if self.has_zip64:
                pass
                self._m_zip64 = self.records_to_zip64[-1].body

            return getattr(self, '_m_zip64', None)


    class ExtraRecord(KaitaiStruct):
        def __init__(self, has_uncompressed_size, has_compressed_size, has_offset, _io, _parent=None, _root=None):
            super(Dduf.ExtraRecord, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self.has_uncompressed_size = has_uncompressed_size
            self.has_compressed_size = has_compressed_size
            self.has_offset = has_offset
            self._read()

        def _read(self):
            self.header_id = self._io.read_u2le()
            self.data_size = self._io.read_u2le()
            _on = self.header_id
            if _on == 1:
                pass
                self._raw_body = self._io.read_bytes(self.data_size)
                _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
                self.body = Dduf.Zip64Information(self.has_uncompressed_size, self.has_compressed_size, self.has_offset, _io__raw_body, self, self._root)
            elif _on == 55605:
                pass
                self._raw_body = self._io.read_bytes(self.data_size)
                _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
                self.body = Dduf.AlignmentPadding(_io__raw_body, self, self._root)
            else:
                pass
                self.body = self._io.read_bytes(self.data_size)


        def _fetch_instances(self):
            pass
            _on = self.header_id
            if _on == 1:
                pass
                self.body._fetch_instances()
            elif _on == 55605:
                pass
                self.body._fetch_instances()
            else:
                pass


    class LocalHeader(KaitaiStruct):
        def __init__(self, offset, _io, _parent=None, _root=None):
            super(Dduf.LocalHeader, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self.offset = offset
            self._read()

        def _read(self):
            self.signature = self._io.read_bytes(4)
            if not self.signature == b"\x50\x4B\x03\x04":
                raise kaitaistruct.ValidationNotEqualError(b"\x50\x4B\x03\x04", self.signature, self._io, u"/types/local_header/seq/0")
            self.version_needed = self._io.read_u2le()
            self.flags = self._io.read_u2le()
            self.method = self._io.read_u2le()
            self.mtime = self._io.read_u2le()
            self.mdate = self._io.read_u2le()
            self.crc32 = self._io.read_u4le()
            self.compressed_size = self._io.read_u4le()
            self.uncompressed_size = self._io.read_u4le()
            self.name_length = self._io.read_u2le()
            self.extra_length = self._io.read_u2le()
            self.name = (self._io.read_bytes(self.name_length)).decode(u"UTF-8")
            self._raw_extra = self._io.read_bytes(self.extra_length)
            _io__raw_extra = KaitaiStream(BytesIO(self._raw_extra))
            self.extra = Dduf.ExtraField(self.uncompressed_size == 4294967295, self.compressed_size == 4294967295, False, _io__raw_extra, self, self._root)
            _ = self.extra
            if not  ((_.has_zip64) or ((not ( ((_.has_uncompressed_size) or (_.has_compressed_size)) )))) :
                raise kaitaistruct.ValidationExprError(self.extra, self._io, u"/types/local_header/seq/12")


        def _fetch_instances(self):
            pass
            self.extra._fetch_instances()

        @property
        def data_offset(self):
            """Where the entry's data starts, from this local header's lengths (not the central one's).
            
            .. seealso::
               DDUF-ENTRY-006
            """
            if hasattr(self, '_m_data_offset'):
                return self._m_data_offset

            self._m_data_offset = ((self.offset + 30) + self.name_length) + self.extra_length
            return getattr(self, '_m_data_offset', None)


    class Zip64EndRecord(KaitaiStruct):
        def __init__(self, _io, _parent=None, _root=None):
            super(Dduf.Zip64EndRecord, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.signature = self._io.read_bytes(4)
            if not self.signature == b"\x50\x4B\x06\x06":
                raise kaitaistruct.ValidationNotEqualError(b"\x50\x4B\x06\x06", self.signature, self._io, u"/types/zip64_end_record/seq/0")
            self.record_size = self._io.read_u8le()
            self.version_made_by = self._io.read_u2le()
            self.version_needed = self._io.read_u2le()
            self.this_disk = self._io.read_u4le()
            self.directory_disk = self._io.read_u4le()
            self.entries_on_disk = self._io.read_u8le()
            self.total_entries = self._io.read_u8le()
            self.directory_size = self._io.read_u8le()
            self.directory_offset = self._io.read_u8le()
            if not self.directory_offset <= self._root._io.size():
                raise kaitaistruct.ValidationGreaterThanError(self._root._io.size(), self.directory_offset, self._io, u"/types/zip64_end_record/seq/9")


        def _fetch_instances(self):
            pass


    class Zip64Information(KaitaiStruct):
        """The ZIP64 extended information record (ID 0x0001): a 64-bit value for each field that is
        saturated in the header that holds the record, and only for those, in APPNOTE order.
        
        .. seealso::
           DDUF-ZIP-009
        """
        def __init__(self, has_uncompressed_size, has_compressed_size, has_offset, _io, _parent=None, _root=None):
            super(Dduf.Zip64Information, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self.has_uncompressed_size = has_uncompressed_size
            self.has_compressed_size = has_compressed_size
            self.has_offset = has_offset
            self._read()

        def _read(self):
            if self.has_uncompressed_size:
                pass
                self.uncompressed_size = self._io.read_u8le()

            if self.has_compressed_size:
                pass
                self.compressed_size = self._io.read_u8le()

            if self.has_offset:
                pass
                self.local_header_offset = self._io.read_u8le()
                if not self.local_header_offset <= self._root._io.size():
                    raise kaitaistruct.ValidationGreaterThanError(self._root._io.size(), self.local_header_offset, self._io, u"/types/zip64_information/seq/2")



        def _fetch_instances(self):
            pass
            if self.has_uncompressed_size:
                pass

            if self.has_compressed_size:
                pass

            if self.has_offset:
                pass



    class Zip64Locator(KaitaiStruct):
        def __init__(self, _io, _parent=None, _root=None):
            super(Dduf.Zip64Locator, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.signature = self._io.read_bytes(4)
            if not self.signature == b"\x50\x4B\x06\x07":
                raise kaitaistruct.ValidationNotEqualError(b"\x50\x4B\x06\x07", self.signature, self._io, u"/types/zip64_locator/seq/0")
            self.end_record_disk = self._io.read_u4le()
            self.end_record_offset = self._io.read_u8le()
            if not self.end_record_offset <= self._root._io.size():
                raise kaitaistruct.ValidationGreaterThanError(self._root._io.size(), self.end_record_offset, self._io, u"/types/zip64_locator/seq/2")
            self.total_disks = self._io.read_u4le()


        def _fetch_instances(self):
            pass


    @property
    def central_directory(self):
        """The central directory: entry_count central headers, read within the directory_size bytes
        from directory_offset (that they fill those bytes exactly is left to the reference).
        
        .. seealso::
           DDUF-ZIP-004
        """
        if hasattr(self, '_m_central_directory'):
            return self._m_central_directory

        _pos = self._io.pos()
        self._io.seek(self.directory_offset)
        self._raw__m_central_directory = self._io.read_bytes(self.directory_size)
        _io__raw__m_central_directory = KaitaiStream(BytesIO(self._raw__m_central_directory))
        self._m_central_directory = Dduf.CentralDirectory(self.entry_count, _io__raw__m_central_directory, self, self._root)
        self._io.seek(_pos)
        return getattr(self, '_m_central_directory', None)

    @property
    def directory_offset(self):
        """Where the central directory starts.
        
        .. seealso::
           DDUF-ZIP-004
        """
        if hasattr(self, '_m_directory_offset'):
            return self._m_directory_offset

        self._m_directory_offset = (self.zip64_end_record.directory_offset if self.end_record.is_saturated else self.end_record.directory_offset)
        return getattr(self, '_m_directory_offset', None)

    @property
    def directory_size(self):
        """
        .. seealso::
           DDUF-ZIP-004
        """
        if hasattr(self, '_m_directory_size'):
            return self._m_directory_size

        self._m_directory_size = (self.zip64_end_record.directory_size if self.end_record.is_saturated else self.end_record.directory_size)
        return getattr(self, '_m_directory_size', None)

    @property
    def end_record(self):
        """The end of central directory record, the last 22 bytes of the file.
        
        .. seealso::
           DDUF-ZIP-001
        """
        if hasattr(self, '_m_end_record'):
            return self._m_end_record

        _pos = self._io.pos()
        self._io.seek(self._io.size() - 22)
        self._m_end_record = Dduf.EndRecord(self._io, self, self._root)
        self._io.seek(_pos)
        return getattr(self, '_m_end_record', None)

    @property
    def entry_count(self):
        """
        .. seealso::
           DDUF-ZIP-004
        """
        if hasattr(self, '_m_entry_count'):
            return self._m_entry_count

        self._m_entry_count = (self.zip64_end_record.total_entries if self.end_record.is_saturated else self.end_record.total_entries)
        return getattr(self, '_m_entry_count', None)

    @property
    def zip64_end_record(self):
        """
        .. seealso::
           DDUF-ZIP-002
        """
        if hasattr(self, '_m_zip64_end_record'):
            return self._m_zip64_end_record

        if self.end_record.is_saturated:
            pass
            _pos = self._io.pos()
            self._io.seek(self.zip64_locator.end_record_offset)
            self._m_zip64_end_record = Dduf.Zip64EndRecord(self._io, self, self._root)
            self._io.seek(_pos)

        return getattr(self, '_m_zip64_end_record', None)

    @property
    def zip64_locator(self):
        """The ZIP64 end of central directory locator, right before the end record; read where the
        end record has a saturated value. Where none is saturated, ZIP64 end records may be present
        but repeat the end record's values (DDUF-ZIP-002), so the end record places the directory.
        
        .. seealso::
           DDUF-ZIP-002
        """
        if hasattr(self, '_m_zip64_locator'):
            return self._m_zip64_locator

        if self.end_record.is_saturated:
            pass
            _pos = self._io.pos()
            self._io.seek(self._io.size() - 42)
            self._m_zip64_locator = Dduf.Zip64Locator(self._io, self, self._root)
            self._io.seek(_pos)

        return getattr(self, '_m_zip64_locator', None)


