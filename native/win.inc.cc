// One-sided communication (MPI.Win, src/win/native.ts): MPI's own windows and RMA calls. Textually included by
// mpi4ts_native.cc (inside its anonymous namespace). Windows are made with disp_unit 1: the JS layer applies
// displacement units and passes byte offsets. Allocated memory starts zeroed, as on the local engine. Memory MPI allocated is shown to JS as external ArrayBuffers that
// Free detaches, so a view kept past Free reads nothing instead of freed memory; memory a window was created
// over stays referenced until Free.

struct WinEntry {
  MPI_Win win = MPI_WIN_NULL;
  Napi::Reference<Napi::Value> keep;                 // the typed array of MPI_Win_create
  std::vector<Napi::Reference<Napi::Value>> shown;   // external ArrayBuffers over MPI's memory, detached at Free
  std::map<MPI_Aint, Napi::Reference<Napi::Value>> attached;  // a dynamic window's regions, by address
};
Table<WinEntry> g_wins;

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


Napi::Value showMemory(Napi::Env env, WinEntry& w, void* base, size_t bytes) {
  static char empty[8];
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, bytes ? base : empty, bytes);
  w.shown.push_back(Napi::Persistent(Napi::Value(ab)));
  return ab;
}

// Errors come back as return codes (thrown as MPIErrors), as on the addon's communicators.
int addWindow(MPI_Win win, Napi::Reference<Napi::Value> keep = {}) {
  MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN);
  WinEntry entry;
  entry.win = win;
  entry.keep = std::move(keep);
  return g_wins.add(std::move(entry));
}

// winAllocate(comm, bytes, shared) -> [id, ArrayBuffer]
Napi::Value WinAllocate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireInit(env);
  MPI_Comm comm = commArg(info, 0);
  MPI_Aint bytes = static_cast<MPI_Aint>(int64Arg(info, 1));
  bool shared = info[2].As<Napi::Boolean>().Value();
  void* base = nullptr;
  MPI_Win win = MPI_WIN_NULL;
  if (shared) check(env, MPI_Win_allocate_shared(bytes, 1, MPI_INFO_NULL, comm, &base, &win), "MPI_Win_allocate_shared");
  else check(env, MPI_Win_allocate(bytes, 1, MPI_INFO_NULL, comm, &base, &win), "MPI_Win_allocate");
  // Zeroed, as on the local engine, and before any rank can reach it (MPI leaves new window memory undefined).
  if (bytes > 0) memset(base, 0, static_cast<size_t>(bytes));
  check(env, MPI_Barrier(comm), "MPI_Barrier");
  int id = addWindow(win);
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
  check(env, MPI_Win_create(v.data, static_cast<MPI_Aint>(v.bytes), 1, MPI_INFO_NULL, comm, &win), "MPI_Win_create");
  return Napi::Number::New(env, addWindow(win, Napi::Persistent(info[1])));
}

// winCreateDynamic(comm) -> id
Napi::Value WinCreateDynamic(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireInit(env);
  MPI_Win win = MPI_WIN_NULL;
  check(env, MPI_Win_create_dynamic(MPI_INFO_NULL, commArg(info, 0), &win), "MPI_Win_create_dynamic");
  return Napi::Number::New(env, addWindow(win));
}

// getAddress(Uint8Array) -> the address of its first byte (MPI_Get_address), as a double: exact below 2^53,
// which every user-space address of today's 64-bit systems is.
Napi::Value GetAddress(const Napi::CallbackInfo& info) {
  View v = viewArg(info, 0);
  MPI_Aint address = 0;
  check(info.Env(), MPI_Get_address(v.data, &address), "MPI_Get_address");
  return Napi::Number::New(info.Env(), static_cast<double>(address));
}

// winAttach(id, Uint8Array) -> its address; the array stays referenced (its memory in place) until winDetach.
Napi::Value WinAttach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  WinEntry& w = winArg(info, 0);
  View v = viewArg(info, 1);
  MPI_Aint address = 0;
  check(env, MPI_Get_address(v.data, &address), "MPI_Get_address");
  check(env, MPI_Win_attach(w.win, v.data, static_cast<MPI_Aint>(v.bytes)), "MPI_Win_attach");
  w.attached[address] = Napi::Persistent(info[1]);
  return Napi::Number::New(env, static_cast<double>(address));
}

void detachAt(Napi::Env env, WinEntry& w, std::map<MPI_Aint, Napi::Reference<Napi::Value>>::iterator at) {
  check(env, MPI_Win_detach(w.win, reinterpret_cast<void*>(at->first)), "MPI_Win_detach");
  w.attached.erase(at);
}

// winDetach(id, address) -> false when nothing is attached there
Napi::Value WinDetach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  WinEntry& w = winArg(info, 0);
  auto at = w.attached.find(static_cast<MPI_Aint>(int64Arg(info, 1)));
  if (at == w.attached.end()) return Napi::Boolean::New(env, false);
  detachAt(env, w, at);
  return Napi::Boolean::New(env, true);
}

// winSharedQuery(id, rank) -> ArrayBuffer over that rank's segment
Napi::Value WinSharedQuery(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  WinEntry& w = winArg(info, 0);
  MPI_Aint bytes = 0;
  int unit = 0;
  void* base = nullptr;
  check(env, MPI_Win_shared_query(w.win, intArg(info, 1), &bytes, &unit, &base), "MPI_Win_shared_query");
  return showMemory(env, w, base, static_cast<size_t>(bytes));
}

// winPut / winGet(id, Uint8Array, target, offset): bytes as MPI_BYTE at a byte offset.
template <bool IsPut>
Napi::Value winTransfer(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  View v = viewArg(info, 1);
  int n = intCount(info.Env(), v.bytes, "one-sided transfers of 2 GiB or more");
  int target = intArg(info, 2);
  MPI_Aint offset = static_cast<MPI_Aint>(int64Arg(info, 3));
  if (IsPut) check(info.Env(), MPI_Put(v.data, n, MPI_BYTE, target, offset, n, MPI_BYTE, w.win), "MPI_Put");
  else check(info.Env(), MPI_Get(v.data, n, MPI_BYTE, target, offset, n, MPI_BYTE, w.win), "MPI_Get");
  return info.Env().Undefined();
}

// An accumulate's op, element type and count: `k` is a builtin index (src/native/engine.ts), 13 for NO_OP.
// NO_OP ignores the origin (null then); MPI still wants a valid buffer, so `from` is the result's.
struct RmaOp {
  MPI_Op op;
  MPI_Datatype type;
  int count;
  void* from;
};
RmaOp rmaOpOf(Napi::Env env, int k, const View& origin, const View& result) {
  const View& like = origin.present ? origin : result;
  RmaOp r{k == 13 ? MPI_NO_OP : builtinOp(k), datatypeOf(like.type), static_cast<int>(like.length), like.data};
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
  MPI_Aint offset = static_cast<MPI_Aint>(int64Arg(info, 4));
  int k = intArg(info, 5);
  RmaOp a = rmaOpOf(env, k, origin, result);
  if (!result.present) {
    check(env, MPI_Accumulate(a.from, a.count, a.type, target, offset, a.count, a.type, a.op, w.win), "MPI_Accumulate");
  } else if (a.count == 1 && k != 10 && k != 11) {
    check(env, MPI_Fetch_and_op(a.from, result.data, a.type, target, offset, a.op, w.win), "MPI_Fetch_and_op");
  } else {
    check(env, MPI_Get_accumulate(a.from, a.count, a.type, result.data, a.count, a.type, target, offset, a.count, a.type, a.op, w.win),
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
  MPI_Aint offset = static_cast<MPI_Aint>(int64Arg(info, 5));
  auto r = std::make_unique<Req>();
  keep(*r, info, 2);
  keep(*r, info, 3);
  if (kind == 0 || kind == 1) {
    int n = intCount(env, origin.bytes, "one-sided transfers of 2 GiB or more");
    if (kind == 0) check(env, MPI_Rput(origin.data, n, MPI_BYTE, target, offset, n, MPI_BYTE, w.win, &r->req), "MPI_Rput");
    else check(env, MPI_Rget(origin.data, n, MPI_BYTE, target, offset, n, MPI_BYTE, w.win, &r->req), "MPI_Rget");
  } else {
    RmaOp a = rmaOpOf(env, intArg(info, 6), origin, result);
    if (!result.present) {
      check(env, MPI_Raccumulate(a.from, a.count, a.type, target, offset, a.count, a.type, a.op, w.win, &r->req), "MPI_Raccumulate");
    } else {
      check(env, MPI_Rget_accumulate(a.from, a.count, a.type, result.data, a.count, a.type, target, offset, a.count, a.type, a.op,
                                     w.win, &r->req),
            "MPI_Rget_accumulate");
    }
  }
  return Napi::Number::New(env, addRequest(std::move(r)));
}

// winCompareAndSwap(id, origin, compare, result, target, offset)
Napi::Value WinCompareAndSwap(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  View origin = viewArg(info, 1), compare = viewArg(info, 2), result = viewArg(info, 3);
  check(info.Env(), MPI_Compare_and_swap(origin.data, compare.data, result.data, datatypeOf(origin.type), intArg(info, 4),
                                         static_cast<MPI_Aint>(int64Arg(info, 5)), w.win), "MPI_Compare_and_swap");
  return info.Env().Undefined();
}

// winLock(id, exclusive, target, assert)
Napi::Value WinLock(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  int type = info[1].As<Napi::Boolean>().Value() ? MPI_LOCK_EXCLUSIVE : MPI_LOCK_SHARED;
  check(info.Env(), MPI_Win_lock(type, intArg(info, 2), assertArg(info, 3), w.win), "MPI_Win_lock");
  return info.Env().Undefined();
}

// The synchronization calls of one window and at most one int: an assertion (translated) or a rank.
enum WinIntArg { NO_INT, ASSERTION, RANK };
template <WinIntArg Kind, const char* Name, typename F>
Napi::Value winSync(const Napi::CallbackInfo& info, F f) {
  WinEntry& w = winArg(info, 0);
  int rc;
  if constexpr (Kind == NO_INT) rc = f(w.win);
  else rc = f(Kind == ASSERTION ? assertArg(info, 1) : intArg(info, 1), w.win);
  check(info.Env(), rc, Name);
  return info.Env().Undefined();
}
constexpr char kComplete[] = "MPI_Win_complete", kWait[] = "MPI_Win_wait";
Napi::Value WinComplete(const Napi::CallbackInfo& i) { return winSync<NO_INT, kComplete>(i, MPI_Win_complete); }
Napi::Value WinWait(const Napi::CallbackInfo& i) { return winSync<NO_INT, kWait>(i, MPI_Win_wait); }
constexpr char kFence[] = "MPI_Win_fence", kUnlock[] = "MPI_Win_unlock", kLockAll[] = "MPI_Win_lock_all",
               kUnlockAll[] = "MPI_Win_unlock_all", kFlush[] = "MPI_Win_flush", kFlushAll[] = "MPI_Win_flush_all",
               kFlushLocal[] = "MPI_Win_flush_local", kFlushLocalAll[] = "MPI_Win_flush_local_all", kSync[] = "MPI_Win_sync";
Napi::Value WinFence(const Napi::CallbackInfo& i) { return winSync<ASSERTION, kFence>(i, MPI_Win_fence); }
Napi::Value WinUnlock(const Napi::CallbackInfo& i) { return winSync<RANK, kUnlock>(i, MPI_Win_unlock); }
Napi::Value WinLockAll(const Napi::CallbackInfo& i) { return winSync<ASSERTION, kLockAll>(i, MPI_Win_lock_all); }
Napi::Value WinUnlockAll(const Napi::CallbackInfo& i) { return winSync<NO_INT, kUnlockAll>(i, MPI_Win_unlock_all); }
Napi::Value WinFlush(const Napi::CallbackInfo& i) { return winSync<RANK, kFlush>(i, MPI_Win_flush); }
Napi::Value WinFlushAll(const Napi::CallbackInfo& i) { return winSync<NO_INT, kFlushAll>(i, MPI_Win_flush_all); }
Napi::Value WinFlushLocal(const Napi::CallbackInfo& i) { return winSync<RANK, kFlushLocal>(i, MPI_Win_flush_local); }
Napi::Value WinFlushLocalAll(const Napi::CallbackInfo& i) { return winSync<NO_INT, kFlushLocalAll>(i, MPI_Win_flush_local_all); }
Napi::Value WinSync(const Napi::CallbackInfo& i) { return winSync<NO_INT, kSync>(i, MPI_Win_sync); }

// winPost / winStart(id, Int32Array of ranks in the window's group, assert): the group made from those ranks.
template <bool IsPost>
Napi::Value winGroupCall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  WinEntry& w = winArg(info, 0);
  View ranks = viewArg(info, 1);
  MPI_Group all, sub;
  check(env, MPI_Win_get_group(w.win, &all), "MPI_Win_get_group");
  int rc = MPI_Group_incl(all, static_cast<int>(ranks.length), static_cast<int*>(ranks.data), &sub);
  MPI_Group_free(&all);
  check(env, rc, "MPI_Group_incl");
  rc = IsPost ? MPI_Win_post(sub, assertArg(info, 2), w.win) : MPI_Win_start(sub, assertArg(info, 2), w.win);
  MPI_Group_free(&sub);
  check(env, rc, IsPost ? "MPI_Win_post" : "MPI_Win_start");
  return env.Undefined();
}

Napi::Value WinTest(const Napi::CallbackInfo& info) {
  WinEntry& w = winArg(info, 0);
  int flag = 0;
  check(info.Env(), MPI_Win_test(w.win, &flag), "MPI_Win_test");
  return Napi::Boolean::New(info.Env(), flag != 0);
}

Napi::Value WinFree(const Napi::CallbackInfo& info) {
  int id = intArg(info, 0);
  WinEntry& w = winArg(info, 0);
  for (auto& ref : w.shown) {
    Napi::ArrayBuffer ab = ref.Value().As<Napi::ArrayBuffer>();
    if (!ab.IsDetached()) ab.Detach();
  }
  while (!w.attached.empty()) detachAt(info.Env(), w, w.attached.begin());
  check(info.Env(), MPI_Win_free(&w.win), "MPI_Win_free");
  g_wins.remove(id);
  return info.Env().Undefined();
}

template <typename Fn>
void registerWin(Fn& fn) {
  fn("winAllocate", WinAllocate);
  fn("winCreate", WinCreate);
  fn("winCreateDynamic", WinCreateDynamic);
  fn("winAttach", WinAttach);
  fn("winDetach", WinDetach);
  fn("getAddress", GetAddress);
  fn("winSharedQuery", WinSharedQuery);
  fn("winPut", winTransfer<true>);
  fn("winGet", winTransfer<false>);
  fn("winAccumulate", WinAccumulate);
  fn("winCompareAndSwap", WinCompareAndSwap);
  fn("winRequest", WinRequest);
  fn("winFence", WinFence);
  fn("winPost", winGroupCall<true>);
  fn("winStart", winGroupCall<false>);
  fn("winComplete", WinComplete);
  fn("winWait", WinWait);
  fn("winTest", WinTest);
  fn("winLock", WinLock);
  fn("winUnlock", WinUnlock);
  fn("winLockAll", WinLockAll);
  fn("winUnlockAll", WinUnlockAll);
  fn("winFlush", WinFlush);
  fn("winFlushAll", WinFlushAll);
  fn("winFlushLocal", WinFlushLocal);
  fn("winFlushLocalAll", WinFlushLocalAll);
  fn("winSync", WinSync);
  fn("winFree", WinFree);
}
