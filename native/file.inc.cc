// MPI-IO for MPI.File on the mpi engine (src/file/mpi-storage.ts): textually included by mpi4ts_native.cc inside
// its anonymous namespace, so it shares check (which knows MPI's file error classes), requireInit, g_comms and
// Table. Memory is always packed
// bytes (JS packs derived memory types), so every access moves MPI_BYTE; the view is the one JS computed,
// handed over as the byte blocks of one filetype item (an hindexed type of MPI_BYTE resized to its extent).

Table<MPI_File> g_files;

MPI_File fileArg(const Napi::CallbackInfo& info, size_t i) {
  int id = intArg(info, i);
  if (id < 0 || static_cast<size_t>(id) >= g_files.items.size() || g_files.items[id] == MPI_FILE_NULL) {
    throwClass(info.Env(), "ERR_FILE", "mpi4ts native: invalid file handle");
  }
  return g_files.items[id];
}


// fileOpen(comm, path, amode) -> file handle (collective)
Napi::Value FileOpen(const Napi::CallbackInfo& info) {
  requireInit(info.Env());
  MPI_Comm comm = commArg(info, 0);
  std::string path = info[1].As<Napi::String>().Utf8Value();
  MPI_File fh = MPI_FILE_NULL;
  check(info.Env(), MPI_File_open(comm, path.c_str(), intArg(info, 2), MPI_INFO_NULL, &fh), "MPI_File_open");
  return Napi::Number::New(info.Env(), g_files.add(fh));
}

Napi::Value FileClose(const Napi::CallbackInfo& info) {
  requireInit(info.Env());
  int id = intArg(info, 0);
  MPI_File fh = fileArg(info, 0);
  check(info.Env(), MPI_File_close(&fh), "MPI_File_close");
  g_files.remove(id);
  return info.Env().Undefined();
}

Napi::Value FileDelete(const Napi::CallbackInfo& info) {
  requireInit(info.Env());
  std::string path = info[0].As<Napi::String>().Utf8Value();
  check(info.Env(), MPI_File_delete(path.c_str(), MPI_INFO_NULL), "MPI_File_delete");
  return info.Env().Undefined();
}

// fileOffset(file, shared) -> the file's size in bytes, or the shared pointer in etypes
Napi::Value FileOffset(const Napi::CallbackInfo& info) {
  requireInit(info.Env());
  MPI_File fh = fileArg(info, 0);
  MPI_Offset at = 0;
  if (info[1].As<Napi::Boolean>().Value()) check(info.Env(), MPI_File_get_position_shared(fh, &at), "MPI_File_get_position_shared");
  else check(info.Env(), MPI_File_get_size(fh, &at), "MPI_File_get_size");
  return Napi::Number::New(info.Env(), static_cast<double>(at));
}

// fileResize(file, size, growOnly) (collective): MPI_File_preallocate never shrinks, MPI_File_set_size may.
Napi::Value FileResize(const Napi::CallbackInfo& info) {
  requireInit(info.Env());
  MPI_File fh = fileArg(info, 0);
  if (info[2].As<Napi::Boolean>().Value()) check(info.Env(), MPI_File_preallocate(fh, static_cast<MPI_Offset>(int64Arg(info, 1))), "MPI_File_preallocate");
  else check(info.Env(), MPI_File_set_size(fh, static_cast<MPI_Offset>(int64Arg(info, 1))), "MPI_File_set_size");
  return info.Env().Undefined();
}

Napi::Value FileSync(const Napi::CallbackInfo& info) {
  requireInit(info.Env());
  check(info.Env(), MPI_File_sync(fileArg(info, 0)), "MPI_File_sync");
  return info.Env().Undefined();
}

// fileSetView(file, disp, etypeSize, offsets: Float64Array, lengths: Float64Array, extent) (collective)
Napi::Value FileSetView(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireInit(env);
  MPI_File fh = fileArg(info, 0);
  MPI_Offset disp = static_cast<MPI_Offset>(int64Arg(info, 1));
  int etypeSize = intArg(info, 2);
  View offsets = viewArg(info, 3), lengths = viewArg(info, 4);
  if (offsets.type != napi_float64_array || lengths.type != napi_float64_array || offsets.length != lengths.length) {
    throwClass(env, "ERR_ARG", "mpi4ts native: fileSetView expects two Float64Arrays of one length");
  }
  MPI_Aint extent = static_cast<MPI_Aint>(info[5].As<Napi::Number>().Int64Value());
  std::vector<int> blocklens(offsets.length);
  std::vector<MPI_Aint> displs(offsets.length);
  for (size_t k = 0; k < offsets.length; k++) {
    double len = static_cast<double*>(lengths.data)[k];
    if (len > INT32_MAX) throwClass(env, "ERR_COUNT", "mpi4ts native: a filetype block above 2 GiB - 1 bytes");
    blocklens[k] = static_cast<int>(len);
    displs[k] = static_cast<MPI_Aint>(static_cast<double*>(offsets.data)[k]);
  }
  MPI_Datatype etype = MPI_DATATYPE_NULL, blocks = MPI_DATATYPE_NULL, filetype = MPI_DATATYPE_NULL;
  check(env, MPI_Type_contiguous(etypeSize, MPI_BYTE, &etype), "MPI_Type_contiguous");
  check(env, MPI_Type_create_hindexed(static_cast<int>(offsets.length), blocklens.data(), displs.data(), MPI_BYTE, &blocks), "MPI_Type_create_hindexed");
  check(env, MPI_Type_create_resized(blocks, 0, extent, &filetype), "MPI_Type_create_resized");
  MPI_Type_commit(&etype);
  MPI_Type_commit(&filetype);
  int rc = MPI_File_set_view(fh, disp, etype, filetype, "native", MPI_INFO_NULL);
  // The view keeps what it needs: the types can go at once (MPI-4.0 §14.3).
  MPI_Type_free(&blocks);
  MPI_Type_free(&filetype);
  MPI_Type_free(&etype);
  check(env, rc, "MPI_File_set_view");
  return env.Undefined();
}

enum FileAccess { READ_AT, WRITE_AT, READ_AT_ALL, WRITE_AT_ALL, READ_SHARED, WRITE_SHARED, READ_ORDERED, WRITE_ORDERED };

// The arguments of fileAccess and fileIaccess: (file, kind, offsetInEtypes, bytes: Uint8Array).
struct AccessArgs {
  MPI_File fh;
  int kind;
  MPI_Offset offset;
  void* data;
  int n;
};

AccessArgs accessArgs(const Napi::CallbackInfo& info) {
  requireInit(info.Env());
  View buf = viewArg(info, 3);
  return {fileArg(info, 0), intArg(info, 1), static_cast<MPI_Offset>(int64Arg(info, 2)), buf.data, intCount(info.Env(), buf.bytes, "file accesses of 2 GiB or more")};
}

// fileAccess(file, kind, offsetInEtypes, bytes: Uint8Array) -> bytes moved
Napi::Value FileAccessFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto [fh, kind, offset, data, n] = accessArgs(info);
  MPI_Status st;
  int rc;
  const char* call;
  switch (kind) {
    case READ_AT: call = "MPI_File_read_at"; rc = MPI_File_read_at(fh, offset, data, n, MPI_BYTE, &st); break;
    case WRITE_AT: call = "MPI_File_write_at"; rc = MPI_File_write_at(fh, offset, data, n, MPI_BYTE, &st); break;
    case READ_AT_ALL: call = "MPI_File_read_at_all"; rc = MPI_File_read_at_all(fh, offset, data, n, MPI_BYTE, &st); break;
    case WRITE_AT_ALL: call = "MPI_File_write_at_all"; rc = MPI_File_write_at_all(fh, offset, data, n, MPI_BYTE, &st); break;
    case READ_SHARED: call = "MPI_File_read_shared"; rc = MPI_File_read_shared(fh, data, n, MPI_BYTE, &st); break;
    case WRITE_SHARED: call = "MPI_File_write_shared"; rc = MPI_File_write_shared(fh, data, n, MPI_BYTE, &st); break;
    case READ_ORDERED: call = "MPI_File_read_ordered"; rc = MPI_File_read_ordered(fh, data, n, MPI_BYTE, &st); break;
    case WRITE_ORDERED: call = "MPI_File_write_ordered"; rc = MPI_File_write_ordered(fh, data, n, MPI_BYTE, &st); break;
    default: throwClass(env, "ERR_ARG", "mpi4ts native: unknown file access");
  }
  check(env, rc, call);
  int moved = 0;
  MPI_Get_count(&st, MPI_BYTE, &moved);
  if (moved == MPI_UNDEFINED) moved = 0;
  return Napi::Number::New(env, moved);
}

// fileIaccess(file, kind, offsetInEtypes, bytes: Uint8Array) -> request handle: the nonblocking forms of the
// explicit-offset and shared accesses; completed by the engine's wait/test, whose status counts the bytes.
Napi::Value FileIaccess(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto [fh, kind, offset, data, n] = accessArgs(info);
  auto r = std::make_unique<Req>();
  int rc;
  const char* call;
  switch (kind) {
    case READ_AT: call = "MPI_File_iread_at"; rc = MPI_File_iread_at(fh, offset, data, n, MPI_BYTE, &r->req); break;
    case WRITE_AT: call = "MPI_File_iwrite_at"; rc = MPI_File_iwrite_at(fh, offset, data, n, MPI_BYTE, &r->req); break;
    case READ_AT_ALL: call = "MPI_File_iread_at_all"; rc = MPI_File_iread_at_all(fh, offset, data, n, MPI_BYTE, &r->req); break;
    case WRITE_AT_ALL: call = "MPI_File_iwrite_at_all"; rc = MPI_File_iwrite_at_all(fh, offset, data, n, MPI_BYTE, &r->req); break;
    case READ_SHARED: call = "MPI_File_iread_shared"; rc = MPI_File_iread_shared(fh, data, n, MPI_BYTE, &r->req); break;
    case WRITE_SHARED: call = "MPI_File_iwrite_shared"; rc = MPI_File_iwrite_shared(fh, data, n, MPI_BYTE, &r->req); break;
    default: throwClass(env, "ERR_ARG", "mpi4ts native: no nonblocking form of this file access");
  }
  check(env, rc, call);
  keep(*r, info, 3);
  return Napi::Number::New(env, addRequest(std::move(r)));
}

// fileSeekShared(file, offsetInEtypes) (collective; absolute)
Napi::Value FileSeekShared(const Napi::CallbackInfo& info) {
  requireInit(info.Env());
  check(info.Env(), MPI_File_seek_shared(fileArg(info, 0), static_cast<MPI_Offset>(int64Arg(info, 1)), MPI_SEEK_SET), "MPI_File_seek_shared");
  return info.Env().Undefined();
}

template <typename Fn>
void registerFile(Fn& fn) {
  fn("fileOpen", FileOpen);
  fn("fileClose", FileClose);
  fn("fileDelete", FileDelete);
  fn("fileOffset", FileOffset);
  fn("fileResize", FileResize);
  fn("fileSync", FileSync);
  fn("fileSetView", FileSetView);
  fn("fileAccess", FileAccessFn);
  fn("fileIaccess", FileIaccess);
  fn("fileSeekShared", FileSeekShared);
}
