// One-sided communication (MPI.Win, src/win/native.ts): MPI's own windows and RMA calls. Textually included by
// mpi4ts_native.cc (inside its anonymous namespace). Windows are made with disp_unit 1: the JS layer applies
// displacement units and passes byte offsets. Allocated memory starts zeroed, as on the local engine. Memory MPI allocated is shown to JS as external ArrayBuffers that
// Free detaches, so a view kept past Free reads nothing instead of freed memory; memory a window was created
// over stays referenced until Free.

struct WinEntry {
  MPI_Win win = MPI_WIN_NULL;
  Napi::Reference<Napi::Value> keep;                 // the typed array of MPI_Win_create
  std::vector<Napi::Reference<Napi::Value>> shown;   // external ArrayBuffers over MPI's memory, detached at Free
};
Table<WinEntry> g_wins;

const char* winErrorClassName(int cls) {
  switch (cls) {
    case MPI_ERR_WIN: return "ERR_WIN";
    case MPI_ERR_BASE: return "ERR_BASE";
    case MPI_ERR_SIZE: return "ERR_SIZE";
    case MPI_ERR_DISP: return "ERR_DISP";
    case MPI_ERR_LOCKTYPE: return "ERR_LOCKTYPE";
    case MPI_ERR_ASSERT: return "ERR_ASSERT";
    case MPI_ERR_RMA_SYNC: return "ERR_RMA_SYNC";
    case MPI_ERR_RMA_RANGE: return "ERR_RMA_RANGE";
    case MPI_ERR_RMA_CONFLICT: return "ERR_RMA_CONFLICT";
    default: return errorClassName(cls);
  }
}

void checkWin(Napi::Env env, int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  int cls = MPI_ERR_OTHER;
  MPI_Error_class(rc, &cls);
  char text[MPI_MAX_ERROR_STRING + 1];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) len = 0;
  text[len] = 0;
  throwClass(env, winErrorClassName(cls), std::string(call) + ": " + text);
}

WinEntry& winArg(const Napi::CallbackInfo& info, size_t i) {
  int id = intArg(info, i);
  if (id < 0 || static_cast<size_t>(id) >= g_wins.items.size() || g_wins.items[id].win == MPI_WIN_NULL) {
    throwClass(info.Env(), "ERR_WIN", "mpi4ts native: invalid window handle");
  }
  return g_wins.items[id];
}

// mpi4ts's assertion bits (src/win/seam.ts) to this MPI's.
int assertArg(const Napi::CallbackInfo& info, size_t i) {
  int js = intArg(info, i), out = 0;
  if (js & 1024) out |= MPI_MODE_NOCHECK;
  if (js & 2048) out |= MPI_MODE_NOSTORE;
  if (js & 4096) out |= MPI_MODE_NOPUT;
  if (js & 8192) out |= MPI_MODE_NOPRECEDE;
  if (js & 16384) out |= MPI_MODE_NOSUCCEED;
  return out;
}

MPI_Aint offsetArg(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<MPI_Aint>(info[i].As<Napi::Number>().Int64Value());
}

Napi::Value showMemory(Napi::Env env, WinEntry& w, void* base, size_t bytes) {
  static char empty[8];
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, bytes ? base : empty, bytes);
  w.shown.push_back(Napi::Persistent(Napi::Value(ab)));
  return ab;
}

// winAllocate(comm, bytes, shared) -> [id, ArrayBuffer]
Napi::Value WinAllocate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireInit(env);
  MPI_Comm comm = commArg(info, 0);
  MPI_Aint bytes = offsetArg(info, 1);
  bool shared = info[2].As<Napi::Boolean>().Value();
  void* base = nullptr;
  MPI_Win win = MPI_WIN_NULL;
  if (shared) checkWin(env, MPI_Win_allocate_shared(bytes, 1, MPI_INFO_NULL, comm, &base, &win), "MPI_Win_allocate_shared");
  else checkWin(env, MPI_Win_allocate(bytes, 1, MPI_INFO_NULL, comm, &base, &win), "MPI_Win_allocate");
  MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN);
  // Zeroed, as on the local engine, and before any rank can reach it (MPI leaves new window memory undefined).
  if (bytes > 0) memset(base, 0, static_cast<size_t>(bytes));
  checkWin(env, MPI_Barrier(comm), "MPI_Barrier");
  WinEntry entry;
  entry.win = win;
  int id = g_wins.add(std::move(entry));
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, id));
  out.Set(1u, showMemory(env, g_wins.items[id], base, static_cast<size_t>(bytes)));
  return out;
}

// winCreate(comm, Uint8Array) -> id
Napi::Value WinCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireInit(env);
  MPI_Comm comm = commArg(info, 0);
  View v = viewArg(info, 1);
  MPI_Win win = MPI_WIN_NULL;
  checkWin(env, MPI_Win_create(v.data, static_cast<MPI_Aint>(v.bytes), 1, MPI_INFO_NULL, comm, &win), "MPI_Win_create");
  MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN);
  WinEntry entry;
  entry.win = win;
  entry.keep = Napi::Persistent(info[1]);
  return Napi::Number::New(env, g_wins.add(std::move(entry)));
}

// winSharedQuery(id, rank) -> ArrayBuffer over that rank's segment
Napi::Value WinSharedQuery(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  WinEntry& w = winArg(info, 0);
  MPI_Aint bytes = 0;
  int unit = 0;
  void* base = nullptr;
  checkWin(env, MPI_Win_shared_query(w.win, intArg(info, 1), &bytes, &unit, &base), "MPI_Win_shared_query");
  return showMemory(env, w, base, static_cast<size_t>(bytes));
}

Napi::Value WinPut(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  View v = viewArg(info, 1);
  int n = byteCount(info.Env(), v.bytes);
  checkWin(info.Env(), MPI_Put(v.data, n, MPI_BYTE, intArg(info, 2), offsetArg(info, 3), n, MPI_BYTE, w.win), "MPI_Put");
  return info.Env().Undefined();
}

Napi::Value WinGet(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  View v = viewArg(info, 1);
  int n = byteCount(info.Env(), v.bytes);
  checkWin(info.Env(), MPI_Get(v.data, n, MPI_BYTE, intArg(info, 2), offsetArg(info, 3), n, MPI_BYTE, w.win), "MPI_Get");
  return info.Env().Undefined();
}

// An accumulate's op, element type and count: `k` is a builtin index (src/native/engine.ts), 13 for NO_OP.
struct RmaOp {
  MPI_Op op;
  MPI_Datatype type;
  int count;
};
RmaOp rmaOpOf(Napi::Env env, int k, const View& like) {
  RmaOp r{k == 13 ? MPI_NO_OP : builtinOp(k), datatypeOf(like.type), static_cast<int>(like.length)};
  if (r.op == MPI_OP_NULL) throwClass(env, "ERR_OP", "mpi4ts native: unknown RMA operation");
  if (k == 10 || k == 11) {
    // The addon's pair types and loc ops are user-defined, which RMA forbids: MPI's own for int pairs (the JS
    // layer admits Int32Array pairs only).
    r.op = k == 10 ? MPI_MAXLOC : MPI_MINLOC;
    r.type = MPI_2INT;
    r.count /= 2;
  }
  return r;
}

// winAccumulate(id, origin | null, result | null, target, offset, op). Without result: MPI_Accumulate; one element: MPI_Fetch_and_op; otherwise MPI_Get_accumulate.
Napi::Value WinAccumulate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  WinEntry& w = winArg(info, 0);
  View origin = viewArg(info, 1), result = viewArg(info, 2);
  int target = intArg(info, 3);
  MPI_Aint offset = offsetArg(info, 4);
  int k = intArg(info, 5);
  RmaOp a = rmaOpOf(env, k, origin.present ? origin : result);
  MPI_Op op = a.op;
  MPI_Datatype type = a.type;
  int count = a.count;
  // NO_OP ignores the origin; MPI still wants a valid buffer.
  void* from = origin.present ? origin.data : result.data;
  if (!result.present) {
    checkWin(env, MPI_Accumulate(from, count, type, target, offset, count, type, op, w.win), "MPI_Accumulate");
  } else if (count == 1 && k != 10 && k != 11) {
    checkWin(env, MPI_Fetch_and_op(from, result.data, type, target, offset, op, w.win), "MPI_Fetch_and_op");
  } else {
    checkWin(env, MPI_Get_accumulate(from, count, type, result.data, count, type, target, offset, count, type, op, w.win),
             "MPI_Get_accumulate");
  }
  return env.Undefined();
}

// winRequest(id, kind, origin | null, result | null, target, offset, op) -> request id: MPI_Rput (kind 0),
// MPI_Rget (1), MPI_Raccumulate (2, without result) or MPI_Rget_accumulate (2, with result). The buffers stay
// referenced until the request completes.
Napi::Value WinRequest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  WinEntry& w = winArg(info, 0);
  int kind = intArg(info, 1);
  View origin = viewArg(info, 2), result = viewArg(info, 3);
  int target = intArg(info, 4);
  MPI_Aint offset = offsetArg(info, 5);
  auto r = std::make_unique<Req>();
  keep(*r, info, 2);
  keep(*r, info, 3);
  if (kind == 0 || kind == 1) {
    int n = byteCount(env, origin.bytes);
    if (kind == 0) checkWin(env, MPI_Rput(origin.data, n, MPI_BYTE, target, offset, n, MPI_BYTE, w.win, &r->req), "MPI_Rput");
    else checkWin(env, MPI_Rget(origin.data, n, MPI_BYTE, target, offset, n, MPI_BYTE, w.win, &r->req), "MPI_Rget");
  } else {
    int k = intArg(info, 6);
    RmaOp a = rmaOpOf(env, k, origin.present ? origin : result);
    MPI_Op op = a.op;
    MPI_Datatype type = a.type;
    int count = a.count;
    void* from = origin.present ? origin.data : result.data;
    if (!result.present) {
      checkWin(env, MPI_Raccumulate(from, count, type, target, offset, count, type, op, w.win, &r->req), "MPI_Raccumulate");
    } else {
      checkWin(env, MPI_Rget_accumulate(from, count, type, result.data, count, type, target, offset, count, type, op, w.win, &r->req),
               "MPI_Rget_accumulate");
    }
  }
  return Napi::Number::New(env, addRequest(std::move(r)));
}

// winCompareAndSwap(id, origin, compare, result, target, offset)
Napi::Value WinCompareAndSwap(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  View origin = viewArg(info, 1), compare = viewArg(info, 2), result = viewArg(info, 3);
  checkWin(info.Env(), MPI_Compare_and_swap(origin.data, compare.data, result.data, datatypeOf(origin.type), intArg(info, 4),
                                            offsetArg(info, 5), w.win), "MPI_Compare_and_swap");
  return info.Env().Undefined();
}

Napi::Value WinFence(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  checkWin(info.Env(), MPI_Win_fence(assertArg(info, 1), w.win), "MPI_Win_fence");
  return info.Env().Undefined();
}

// winLock(id, exclusive, target, assert)
Napi::Value WinLock(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  int type = info[1].As<Napi::Boolean>().Value() ? MPI_LOCK_EXCLUSIVE : MPI_LOCK_SHARED;
  checkWin(info.Env(), MPI_Win_lock(type, intArg(info, 2), assertArg(info, 3), w.win), "MPI_Win_lock");
  return info.Env().Undefined();
}

Napi::Value WinUnlock(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  checkWin(info.Env(), MPI_Win_unlock(intArg(info, 1), w.win), "MPI_Win_unlock");
  return info.Env().Undefined();
}

Napi::Value WinLockAll(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  checkWin(info.Env(), MPI_Win_lock_all(assertArg(info, 1), w.win), "MPI_Win_lock_all");
  return info.Env().Undefined();
}

// The calls that take only the window and maybe a rank.
template <int (*F)(MPI_Win)>
Napi::Value WinCall(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  checkWin(info.Env(), F(w.win), "MPI_Win_(un)lock_all/flush_all/sync");
  return info.Env().Undefined();
}
template <int (*F)(int, MPI_Win)>
Napi::Value WinRankCall(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  checkWin(info.Env(), F(intArg(info, 1), w.win), "MPI_Win_flush/flush_local");
  return info.Env().Undefined();
}

Napi::Value WinFree(const Napi::CallbackInfo& info) {
  int id = intArg(info, 0);
  WinEntry& w = winArg(info, 0);
  for (auto& ref : w.shown) {
    Napi::ArrayBuffer ab = ref.Value().As<Napi::ArrayBuffer>();
    if (!ab.IsDetached()) ab.Detach();
  }
  checkWin(info.Env(), MPI_Win_free(&w.win), "MPI_Win_free");
  g_wins.remove(id);
  return info.Env().Undefined();
}

void registerWin(Napi::Env env, Napi::Object exports) {
  auto fn = [&](const char* name, Napi::Value (*f)(const Napi::CallbackInfo&)) {
    exports.Set(name, Napi::Function::New(env, f, name));
  };
  fn("winAllocate", WinAllocate);
  fn("winCreate", WinCreate);
  fn("winSharedQuery", WinSharedQuery);
  fn("winPut", WinPut);
  fn("winGet", WinGet);
  fn("winAccumulate", WinAccumulate);
  fn("winCompareAndSwap", WinCompareAndSwap);
  fn("winRequest", WinRequest);
  fn("winFence", WinFence);
  fn("winLock", WinLock);
  fn("winUnlock", WinUnlock);
  fn("winLockAll", WinLockAll);
  fn("winUnlockAll", WinCall<MPI_Win_unlock_all>);
  fn("winFlush", WinRankCall<MPI_Win_flush>);
  fn("winFlushAll", WinCall<MPI_Win_flush_all>);
  fn("winFlushLocal", WinRankCall<MPI_Win_flush_local>);
  fn("winFlushLocalAll", WinCall<MPI_Win_flush_local_all>);
  fn("winSync", WinCall<MPI_Win_sync>);
  fn("winFree", WinFree);
}
