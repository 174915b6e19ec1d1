// mpi4ts_native: a thin Node-API layer over the system MPI library (Open MPI 4.x, MPICH 4.x).
//
// Design (see docs in src/native/engine.ts, which is the only user of this addon):
// - Handles are small integers indexing tables here (communicators, requests, matched messages), because
//   MPI handle types differ between implementations (pointers in Open MPI, ints in MPICH).
// - Buffers are the caller's typed arrays, passed to MPI in place (no copy). Nonblocking operations keep a
//   reference to every JS buffer they use until they complete, so the GC cannot free memory MPI writes to.
// - The status of the last probe/receive/test is written into a small Int32Array the JS side registers once
//   (`setStatusArray`), so hot calls return plain numbers and allocate nothing.
// - Errors are thrown as JS Errors carrying `errorClass` (mpi4ts's names, e.g. "ERR_TRUNCATE").
// - User reduction ops call back into JS synchronously on this thread, through a pool of trampolines (MPI's
//   user functions get no user-data pointer), each bound to one slot.
#include <napi.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <mpi.h>
#ifdef OPEN_MPI
#include <mpi-ext.h>  // MPIX_X_init (persistent collectives)
#endif
#include <sched.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <numeric>
#include <utility>
#include <string>
#include <vector>

namespace {

// ---- status array --------------------------------------------------------------------------------------
// [0] source, [1] tag, [2] count in bytes (its low 32 bits), [3] error class (0 = none), [4] cancelled, [5] message
// id (or landed id), [6] 1 when a landed message starts with the value header, [7] the count's high 32 bits
enum { ST_SOURCE = 0, ST_TAG = 1, ST_COUNT = 2, ST_ERROR = 3, ST_CANCELLED = 4, ST_MESSAGE = 5, ST_VALUE = 6, ST_COUNT_HIGH = 7, ST_LEN = 8 };
int32_t* g_status = nullptr;
int32_t g_status_fallback[ST_LEN];
Napi::Reference<Napi::Value> g_status_ref;

bool g_initialized = false;
bool g_finalized = false;

// JS-facing constants for wildcards (src/constants.ts), mapped to this MPI's values.
constexpr int JS_ANY_SOURCE = -1;
constexpr int JS_ANY_TAG = -1;
constexpr int JS_PROC_NULL = -2;

inline int mapSource(int s) {
  if (s == JS_ANY_SOURCE) return MPI_ANY_SOURCE;
  if (s == JS_PROC_NULL) return MPI_PROC_NULL;
  return s;
}
inline int mapDest(int d) { return d == JS_PROC_NULL ? MPI_PROC_NULL : d; }
inline int mapTag(int t) { return t == JS_ANY_TAG ? MPI_ANY_TAG : t; }

// ---- errors --------------------------------------------------------------------------------------------
const char* errorClassName(int cls) {
  switch (cls) {
    case MPI_ERR_RANK: return "ERR_RANK";
    case MPI_ERR_TAG: return "ERR_TAG";
    case MPI_ERR_ROOT: return "ERR_ROOT";
    case MPI_ERR_COUNT: return "ERR_COUNT";
    case MPI_ERR_TRUNCATE: return "ERR_TRUNCATE";
    case MPI_ERR_TYPE: return "ERR_TYPE";
    case MPI_ERR_OP: return "ERR_OP";
    case MPI_ERR_COMM: return "ERR_COMM";
    case MPI_ERR_ARG: return "ERR_ARG";
    case MPI_ERR_BUFFER: return "ERR_BUFFER";
    case MPI_ERR_PENDING: return "ERR_PENDING";
    case MPI_ERR_GROUP: return "ERR_GROUP";
    case MPI_ERR_TOPOLOGY: return "ERR_TOPOLOGY";
    case MPI_ERR_DIMS: return "ERR_DIMS";
    case MPI_ERR_INTERN: return "ERR_INTERN";
    // parallel file I/O (native/file.inc.cc)
    case MPI_ERR_FILE: return "ERR_FILE";
    case MPI_ERR_NOT_SAME: return "ERR_NOT_SAME";
    case MPI_ERR_AMODE: return "ERR_AMODE";
    case MPI_ERR_UNSUPPORTED_DATAREP: return "ERR_UNSUPPORTED_DATAREP";
    case MPI_ERR_UNSUPPORTED_OPERATION: return "ERR_UNSUPPORTED_OPERATION";
    case MPI_ERR_NO_SUCH_FILE: return "ERR_NO_SUCH_FILE";
    case MPI_ERR_FILE_EXISTS: return "ERR_FILE_EXISTS";
    case MPI_ERR_BAD_FILE: return "ERR_BAD_FILE";
    case MPI_ERR_ACCESS: return "ERR_ACCESS";
    case MPI_ERR_NO_SPACE: return "ERR_NO_SPACE";
    case MPI_ERR_QUOTA: return "ERR_QUOTA";
    case MPI_ERR_READ_ONLY: return "ERR_READ_ONLY";
    case MPI_ERR_FILE_IN_USE: return "ERR_FILE_IN_USE";
    case MPI_ERR_IO: return "ERR_IO";
    case MPI_ERR_WIN: return "ERR_WIN";
    case MPI_ERR_BASE: return "ERR_BASE";
    case MPI_ERR_SIZE: return "ERR_SIZE";
    case MPI_ERR_DISP: return "ERR_DISP";
    case MPI_ERR_LOCKTYPE: return "ERR_LOCKTYPE";
    case MPI_ERR_ASSERT: return "ERR_ASSERT";
    case MPI_ERR_RMA_SYNC: return "ERR_RMA_SYNC";
    case MPI_ERR_RMA_RANGE: return "ERR_RMA_RANGE";
    case MPI_ERR_RMA_CONFLICT: return "ERR_RMA_CONFLICT";
    case MPI_ERR_RMA_ATTACH: return "ERR_RMA_ATTACH";
    case MPI_ERR_SPAWN: return "ERR_SPAWN";
    default: return "ERR_OTHER";
  }
}

Napi::Error makeError(Napi::Env env, const char* cls, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("errorClass", Napi::String::New(env, cls));
  return e;
}

[[noreturn]] void throwClass(Napi::Env env, const char* cls, const std::string& message) {
  throw makeError(env, cls, message);
}

void check(Napi::Env env, int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  int cls = MPI_ERR_OTHER;
  MPI_Error_class(rc, &cls);
  char text[MPI_MAX_ERROR_STRING + 1];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) len = 0;
  text[len] = 0;
  throwClass(env, errorClassName(cls), std::string(call) + ": " + text);
}

void requireInit(Napi::Env env) {
  if (!g_initialized) throwClass(env, "ERR_OTHER", "mpi4ts native: MPI is not initialized");
  if (g_finalized) throwClass(env, "ERR_OTHER", "mpi4ts native: MPI has been finalized");
}

// ---- handle tables -------------------------------------------------------------------------------------
template <typename T>
struct Table {
  std::vector<T> items;
  std::vector<int> free;
  int add(T v) {
    if (!free.empty()) {
      int i = free.back();
      free.pop_back();
      items[i] = std::move(v);
      return i;
    }
    items.push_back(std::move(v));
    return static_cast<int>(items.size() - 1);
  }
  void remove(int i) {
    items[i] = T();
    free.push_back(i);
  }
};

Table<MPI_Comm> g_comms;  // 0 = COMM_WORLD, 1 = COMM_SELF
Table<MPI_Message> g_messages;

// ---- value messages and landings -----------------------------------------------------------------------
// A VALUE message is the codec's bytes behind this header, with the user's own tag: the kind travels inside the
// message, never in a tag bit, so every tag up to MPI_TAG_UB is the user's, and C or Python ranks see one
// ordinary MPI_BYTE message.
constexpr size_t kHeaderBytes = 8;
const uint8_t kValueHeader[kHeaderBytes] = {0xA7, 'm', 'p', 'i', '4', 't', 's', 0x01};
inline bool startsWithHeader(const void* p, size_t n) {
  return n >= kHeaderBytes && memcmp(p, kValueHeader, kHeaderBytes) == 0;
}

// A posted nonblocking receive is a real MPI_Irecv, so that MPI matches it while this rank sits in any blocking
// MPI call (a receive kept outside MPI made rendezvous senders, and so blocking collectives, hang). Its size is
// not known when it is posted, so it lands in address space reserved for the largest message: MAP_NORESERVE,
// so only the pages a message touches use memory. The JS side copies the message out (takeLanded); landings
// are pooled, their touched pages given back after large messages.
size_t landingBytes() {
  static size_t bytes = 0;
  if (bytes == 0) {
    const char* env = getenv("MPI4TS_LANDING_BYTES");
    long long want = env ? atoll(env) : 0;
    // 64-bit address space holds thousands of 2 GiB reservations; a 32-bit one holds one, so stay small there.
    if (want <= 0) want = sizeof(void*) >= 8 ? (1LL << 31) : (64LL << 20);
    bytes = static_cast<size_t>(want);
  }
  return bytes;
}
inline int landingCount() { return static_cast<int>(std::min<size_t>(landingBytes(), INT32_MAX)); }

constexpr size_t kLandingPool = 16;
constexpr size_t kLandingKeepTouched = 256 << 10;
std::vector<void*> g_landingPool;

void* acquireLanding(Napi::Env env) {
  if (!g_landingPool.empty()) {
    void* p = g_landingPool.back();
    g_landingPool.pop_back();
    return p;
  }
  void* p = mmap(nullptr, landingBytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    throwClass(env, "ERR_NO_MEM", "mpi4ts native: cannot reserve address space for a posted receive (" +
                                      std::to_string(landingBytes()) + " bytes; set MPI4TS_LANDING_BYTES lower)");
  }
  return p;
}

void releaseLanding(void* p, size_t used) {
  if (used > kLandingKeepTouched) {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    madvise(p, (used + page - 1) / page * page, MADV_DONTNEED);
  }
  if (g_landingPool.size() < kLandingPool) g_landingPool.push_back(p);
  else munmap(p, landingBytes());
}

// A message that landed, until the JS side takes it.
struct Landed {
  void* base = nullptr;
  size_t bytes = 0;
};
Table<Landed> g_landed;

MPI_Comm commArg(const Napi::CallbackInfo& info, size_t i) {
  int id = info[i].As<Napi::Number>().Int32Value();
  if (id < 0 || static_cast<size_t>(id) >= g_comms.items.size() || g_comms.items[id] == MPI_COMM_NULL) {
    throwClass(info.Env(), "ERR_COMM", "mpi4ts native: invalid communicator handle");
  }
  return g_comms.items[id];
}

int intArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }
// Byte offsets and sizes (file offsets, window displacements, landed offsets) past 2^31.
int64_t int64Arg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }

// ---- typed arrays --------------------------------------------------------------------------------------
struct View {
  void* data = nullptr;
  size_t length = 0;  // elements
  size_t bytes = 0;
  napi_typedarray_type type = napi_uint8_array;
  bool present = false;
};

View viewArg(const Napi::CallbackInfo& info, size_t i) {
  View v;
  napi_value value = info[i];
  napi_valuetype t;
  napi_typeof(info.Env(), value, &t);
  if (t == napi_null || t == napi_undefined) return v;
  bool is = false;
  napi_is_typedarray(info.Env(), value, &is);
  if (!is) throwClass(info.Env(), "ERR_BUFFER", "mpi4ts native: expected a typed array");
  napi_value ab;
  size_t offset;
  napi_status s = napi_get_typedarray_info(info.Env(), value, &v.type, &v.length, &v.data, &ab, &offset);
  if (s != napi_ok) throwClass(info.Env(), "ERR_BUFFER", "mpi4ts native: unreadable typed array");
  v.present = true;
  size_t elem = 1;
  switch (v.type) {
    case napi_int16_array: case napi_uint16_array: elem = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: elem = 8; break;
    default: elem = 1;
  }
  v.bytes = v.length * elem;
  if (v.data == nullptr) {
    static char empty[8];
    v.data = empty;  // zero-length views may have no storage; MPI wants a valid pointer
  }
  return v;
}

// A count for a call that takes it as an int (MPI-3): reductions' element counts (alike on every rank, so every
// rank refuses alike), one-sided and file transfers in bytes.
int intCount(Napi::Env env, size_t n, const char* what) {
  if (n > static_cast<size_t>(INT32_MAX)) throwClass(env, "ERR_COUNT", std::string("mpi4ts native: ") + what + " are not supported");
  return static_cast<int>(n);
}

// Point-to-point messages of any size. MPI-3.1 counts are ints (MPI-4's _c calls are not in Open MPI 4.1), so a
// buffer of more than INT_MAX bytes goes as one element of a type made of 1 GiB blocks and the rest; smaller ones
// as plain MPI_BYTE counts, as before. The type is freed when the span goes: MPI keeps it while a nonblocking
// operation uses it.
constexpr size_t kBlockBytes = size_t(1) << 30;
MPI_Datatype largeBytesType(size_t bytes) {
  MPI_Datatype block, type;
  MPI_Type_contiguous(static_cast<int>(kBlockBytes), MPI_BYTE, &block);
  int lengths[2] = {static_cast<int>(bytes / kBlockBytes), static_cast<int>(bytes % kBlockBytes)};
  MPI_Aint displs[2] = {0, static_cast<MPI_Aint>(bytes / kBlockBytes * kBlockBytes)};
  MPI_Datatype types[2] = {block, MPI_BYTE};
  MPI_Type_create_struct(lengths[1] ? 2 : 1, lengths, displs, types, &type);
  MPI_Type_commit(&type);
  MPI_Type_free(&block);
  return type;
}

struct ByteSpan {
  int count;
  MPI_Datatype type;
  explicit ByteSpan(size_t bytes)
      : count(bytes > static_cast<size_t>(INT32_MAX) ? 1 : static_cast<int>(bytes)),
        type(bytes > static_cast<size_t>(INT32_MAX) ? largeBytesType(bytes) : MPI_BYTE) {}
  ByteSpan(const ByteSpan&) = delete;
  ByteSpan& operator=(const ByteSpan&) = delete;
  ~ByteSpan() {
    if (type != MPI_BYTE) MPI_Type_free(&type);
  }
};

// Byte counts and displacements of one side of a v-collective, as MPI's int counts of one unit: MPI_BYTE while
// every value fits an int (as C and Python peers pass them), else a contiguous type of `unit` bytes, a divisor of
// every count and displacement. Each rank may pick its own unit: the type signatures are sequences of bytes
// either way. The unit's type is freed when this goes (MPI keeps it while a nonblocking call uses it).
struct ByteUnits {
  MPI_Datatype type = MPI_BYTE;
  ByteUnits(Napi::Env env, const std::vector<int64_t>& counts, std::vector<int>* countsOut, const std::vector<int64_t>& displs,
            std::vector<int>* displsOut) {
    int64_t largest = 0;
    for (const auto* list : {&counts, &displs}) {
      for (int64_t v : *list) largest = std::max(largest, v);
    }
    int64_t unit = 1;
    if (largest > INT32_MAX) {
      int64_t common = 0;
      for (const auto* list : {&counts, &displs}) {
        for (int64_t v : *list) common = std::gcd(common, v);
      }
      unit = 0;
      for (int64_t u : {std::gcd(common, int64_t(1) << 30), common}) {
        if (u > 0 && u <= INT32_MAX && largest / u <= INT32_MAX) {
          unit = u;
          break;
        }
      }
      if (unit == 0) {
        throwClass(env, "ERR_COUNT", "mpi4ts native: counts or displacements of 2 GiB or more need a unit (a divisor of every count and displacement, below 2 GiB) that brings them under 2^31; these have none");
      }
      MPI_Type_contiguous(static_cast<int>(unit), MPI_BYTE, &type);
      MPI_Type_commit(&type);
    }
    countsOut->clear();
    for (int64_t v : counts) countsOut->push_back(static_cast<int>(v / unit));
    displsOut->clear();
    for (int64_t v : displs) displsOut->push_back(static_cast<int>(v / unit));
  }
  ByteUnits(const ByteUnits&) = delete;
  ByteUnits& operator=(const ByteUnits&) = delete;
  ~ByteUnits() {
    if (type != MPI_BYTE) MPI_Type_free(&type);
  }
};

// Two byte ranges at absolute addresses as one committed type (used with MPI_BOTTOM): a value's header and its
// bytes, a receive target and the landing behind it. The caller frees it.
MPI_Datatype twoBlocks(const void* a, size_t aBytes, const void* b, size_t bBytes) {
  MPI_Aint at[2];
  MPI_Get_address(a, &at[0]);
  MPI_Get_address(b, &at[1]);
  MPI_Datatype both;
  if (aBytes <= static_cast<size_t>(INT32_MAX) && bBytes <= static_cast<size_t>(INT32_MAX)) {
    int lengths[2] = {static_cast<int>(aBytes), static_cast<int>(bBytes)};
    MPI_Type_create_hindexed(2, lengths, at, MPI_BYTE, &both);
  } else {
    ByteSpan first(aBytes), second(bBytes);
    int lengths[2] = {first.count, second.count};
    MPI_Datatype types[2] = {first.type, second.type};
    MPI_Type_create_struct(2, lengths, at, types, &both);
  }
  MPI_Type_commit(&both);
  return both;
}

MPI_Datatype datatypeOf(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return MPI_INT8_T;
    case napi_uint8_array: return MPI_UINT8_T;
    case napi_uint8_clamped_array: return MPI_UINT8_T;
    case napi_int16_array: return MPI_INT16_T;
    case napi_uint16_array: return MPI_UINT16_T;
    case napi_int32_array: return MPI_INT32_T;
    case napi_uint32_array: return MPI_UINT32_T;
    case napi_float32_array: return MPI_FLOAT;
    case napi_float64_array: return MPI_DOUBLE;
    case napi_bigint64_array: return MPI_INT64_T;
    case napi_biguint64_array: return MPI_UINT64_T;
    default: return MPI_BYTE;
  }
}

// A typed array argument of `In` elements as a vector (empty for null or undefined): rank lists as Int32Arrays,
// the v-collectives' counts and displacements as Float64Arrays (exact up to 2^53: blocks of 2 GiB or more).
template <typename Out, typename In>
std::vector<Out> listArg(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type want, const char* expected) {
  std::vector<Out> out;
  napi_value value = info[i];
  napi_valuetype t;
  napi_typeof(info.Env(), value, &t);
  if (t == napi_null || t == napi_undefined) return out;
  View v = viewArg(info, i);
  if (v.type != want) throwClass(info.Env(), "ERR_ARG", std::string("mpi4ts native: expected ") + expected);
  const In* p = static_cast<const In*>(v.data);
  for (size_t k = 0; k < v.length; k++) out.push_back(static_cast<Out>(p[k]));
  return out;
}
std::vector<int> intsArg(const Napi::CallbackInfo& info, size_t i) {
  return listArg<int, int32_t>(info, i, napi_int32_array, "an Int32Array of ranks");
}
std::vector<int64_t> countsArg(const Napi::CallbackInfo& info, size_t i) {
  return listArg<int64_t, double>(info, i, napi_float64_array, "a Float64Array of counts");
}

// ---- pair types for MAXLOC/MINLOC on typed arrays: [value, index] pairs of the array's own type ---------
constexpr int N_TYPES = 12;  // napi_typedarray_type values 0..10 (+ spare)
MPI_Datatype g_pairTypes[N_TYPES];
MPI_Op g_maxloc = MPI_OP_NULL, g_minloc = MPI_OP_NULL;

template <typename T>
void locCombine(const void* in, void* inout, int n, bool max) {
  const T* a = static_cast<const T*>(in);
  T* b = static_cast<T*>(inout);
  for (int i = 0; i < n; i++) {
    T av = a[2 * i], bv = b[2 * i], ai = a[2 * i + 1], bi = b[2 * i + 1];
    bool take = max ? (av > bv) : (av < bv);
    if (take || (av == bv && ai < bi)) {
      b[2 * i] = av;
      b[2 * i + 1] = ai;
    }
  }
}

void locOp(void* in, void* inout, int* len, MPI_Datatype* dt, bool max) {
  int k = -1;
  for (int i = 0; i < N_TYPES; i++) {
    if (g_pairTypes[i] != MPI_DATATYPE_NULL && g_pairTypes[i] == *dt) { k = i; break; }
  }
  switch (k) {
    case napi_int8_array: locCombine<int8_t>(in, inout, *len, max); break;
    case napi_uint8_array: case napi_uint8_clamped_array: locCombine<uint8_t>(in, inout, *len, max); break;
    case napi_int16_array: locCombine<int16_t>(in, inout, *len, max); break;
    case napi_uint16_array: locCombine<uint16_t>(in, inout, *len, max); break;
    case napi_int32_array: locCombine<int32_t>(in, inout, *len, max); break;
    case napi_uint32_array: locCombine<uint32_t>(in, inout, *len, max); break;
    case napi_float32_array: locCombine<float>(in, inout, *len, max); break;
    case napi_float64_array: locCombine<double>(in, inout, *len, max); break;
    case napi_bigint64_array: locCombine<int64_t>(in, inout, *len, max); break;
    case napi_biguint64_array: locCombine<uint64_t>(in, inout, *len, max); break;
    default: break;
  }
}
void maxlocFn(void* in, void* inout, int* len, MPI_Datatype* dt) { locOp(in, inout, len, dt, true); }

// Uint8ClampedArray arithmetic saturates at 255 (as storing into the array does), which MPI_UINT8_T does not.
MPI_Op g_clampedSum = MPI_OP_NULL, g_clampedProd = MPI_OP_NULL;
void clampedSumFn(void* in, void* inout, int* len, MPI_Datatype*) {
  const uint8_t* a = static_cast<const uint8_t*>(in);
  uint8_t* b = static_cast<uint8_t*>(inout);
  for (int i = 0; i < *len; i++) {
    unsigned v = static_cast<unsigned>(a[i]) + b[i];
    b[i] = static_cast<uint8_t>(v > 255 ? 255 : v);
  }
}
void clampedProdFn(void* in, void* inout, int* len, MPI_Datatype*) {
  const uint8_t* a = static_cast<const uint8_t*>(in);
  uint8_t* b = static_cast<uint8_t*>(inout);
  for (int i = 0; i < *len; i++) {
    unsigned v = static_cast<unsigned>(a[i]) * b[i];
    b[i] = static_cast<uint8_t>(v > 255 ? 255 : v);
  }
}
void minlocFn(void* in, void* inout, int* len, MPI_Datatype* dt) { locOp(in, inout, len, dt, false); }

// ---- user ops: JS functions called from MPI through slot-bound trampolines ------------------------------
constexpr int N_SLOTS = 64;
struct UserOp {
  bool used = false;
  napi_env env = nullptr;
  Napi::FunctionReference fn;
  napi_typedarray_type type = napi_uint8_array;
  size_t elem = 1;
  MPI_Op op = MPI_OP_NULL;
  Napi::Reference<Napi::Value> error;  // the first exception the JS function threw
  bool failed = false;
};
UserOp g_userOps[N_SLOTS];

size_t elemSize(napi_typedarray_type t) {
  switch (t) {
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: return 8;
    default: return 1;
  }
}

void callUserOp(int slot, void* in, void* inout, int* len) {
  UserOp& u = g_userOps[slot];
  if (!u.used || u.failed) return;
  napi_env env = u.env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  size_t n = static_cast<size_t>(*len);
  size_t bytes = n * u.elem;
  // Copies, not views over MPI's memory: a JS function may keep its arguments, MPI's buffers are temporary.
  void* pin = nullptr;
  void* pio = nullptr;
  napi_value abIn, abIo, taIn, taIo, result;
  bool ok = napi_create_arraybuffer(env, bytes, &pin, &abIn) == napi_ok &&
            napi_create_arraybuffer(env, bytes, &pio, &abIo) == napi_ok;
  if (ok) {
    if (bytes) {
      memcpy(pin, in, bytes);
      memcpy(pio, inout, bytes);
    }
    ok = napi_create_typedarray(env, u.type, n, abIn, 0, &taIn) == napi_ok &&
         napi_create_typedarray(env, u.type, n, abIo, 0, &taIo) == napi_ok;
  }
  if (ok) {
    napi_value argv[2] = {taIn, taIo};
    napi_value undef;
    napi_get_undefined(env, &undef);
    napi_status s = napi_call_function(env, undef, u.fn.Value(), 2, argv, &result);
    if (s == napi_ok) {
      // The function may have replaced elements of inoutvec (the copy); bring them back.
      if (bytes) memcpy(inout, pio, bytes);
    } else {
      ok = false;
    }
  }
  if (!ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    napi_value exc;
    if (pending && napi_get_and_clear_last_exception(env, &exc) == napi_ok) {
      u.error = Napi::Persistent(Napi::Value(env, exc));
    }
    u.failed = true;
  }
  napi_close_handle_scope(env, scope);
}

template <int I>
void trampoline(void* in, void* inout, int* len, MPI_Datatype*) { callUserOp(I, in, inout, len); }

using UserFn = void (*)(void*, void*, int*, MPI_Datatype*);
template <int... Is>
constexpr std::array<UserFn, sizeof...(Is)> makeTrampolines(std::integer_sequence<int, Is...>) {
  return {{&trampoline<Is>...}};
}
const std::array<UserFn, N_SLOTS> g_trampolines = makeTrampolines(std::make_integer_sequence<int, N_SLOTS>{});

// Resolves an op argument: a number (builtin index) or a function (user op; `commute` follows it).
// Returns the MPI_Op and the user slot (-1 for builtins).

MPI_Op builtinOp(int i) {
  switch (i) {
    case 0: return MPI_SUM;
    case 1: return MPI_PROD;
    case 2: return MPI_MAX;
    case 3: return MPI_MIN;
    case 4: return MPI_LAND;
    case 5: return MPI_LOR;
    case 6: return MPI_LXOR;
    case 7: return MPI_BAND;
    case 8: return MPI_BOR;
    case 9: return MPI_BXOR;
    case 10: return g_maxloc;
    case 11: return g_minloc;
    case 12: return MPI_REPLACE;
    default: return MPI_OP_NULL;
  }
}

struct OpUse {
  MPI_Op op = MPI_OP_NULL;
  int slot = -1;
  MPI_Datatype type = MPI_DATATYPE_NULL;
  int countDivisor = 1;  // 2 for MAXLOC/MINLOC (pairs)
};

OpUse opArg(const Napi::CallbackInfo& info, size_t i, size_t commuteIndex, napi_typedarray_type type) {
  Napi::Env env = info.Env();
  OpUse use;
  use.type = datatypeOf(type);
  if (info[i].IsNumber()) {
    int k = info[i].As<Napi::Number>().Int32Value();
    use.op = builtinOp(k);
    if (use.op == MPI_OP_NULL) throwClass(env, "ERR_OP", "mpi4ts native: unknown reduction operation");
    if (k == 10 || k == 11) {
      use.type = g_pairTypes[type];
      use.countDivisor = 2;
    }
    if (k == 12) throwClass(env, "ERR_OP", "mpi4ts native: REPLACE is not a reduction operation for collectives");
    if (type == napi_uint8_clamped_array && k == 0) use.op = g_clampedSum;
    if (type == napi_uint8_clamped_array && k == 1) use.op = g_clampedProd;
    return use;
  }
  if (!info[i].IsFunction()) throwClass(env, "ERR_OP", "mpi4ts native: expected an op index or a function");
  int slot = -1;
  for (int s = 0; s < N_SLOTS; s++) {
    if (!g_userOps[s].used) { slot = s; break; }
  }
  if (slot < 0) throwClass(env, "ERR_OP", "mpi4ts native: too many user reductions in flight (64)");
  UserOp& u = g_userOps[slot];
  u.used = true;
  u.env = env;
  u.fn = Napi::Persistent(info[i].As<Napi::Function>());
  u.type = type;
  u.elem = elemSize(type);
  u.failed = false;
  u.error.Reset();
  bool commute = info[commuteIndex].ToBoolean().Value();
  int rc = MPI_Op_create(g_trampolines[slot], commute ? 1 : 0, &u.op);
  if (rc != MPI_SUCCESS) {
    u.used = false;
    u.fn.Reset();
    check(env, rc, "MPI_Op_create");
  }
  use.op = u.op;
  use.slot = slot;
  return use;
}

// Frees a user op's slot; returns the exception its function threw, if any (empty otherwise).
Napi::Value releaseOp(Napi::Env env, int slot) {
  if (slot < 0) return Napi::Value();
  UserOp& u = g_userOps[slot];
  Napi::Value err;
  if (u.failed && !u.error.IsEmpty()) err = u.error.Value();
  u.error.Reset();
  u.fn.Reset();
  if (u.op != MPI_OP_NULL && !g_finalized) MPI_Op_free(&u.op);
  u.op = MPI_OP_NULL;
  u.used = false;
  u.failed = false;
  return err;
}

void releaseOpOrThrow(Napi::Env env, int slot) {
  Napi::Value err = releaseOp(env, slot);
  if (!err.IsEmpty()) throw Napi::Error(env, err);
}

// ---- requests ------------------------------------------------------------------------------------------
struct Req {
  MPI_Request req = MPI_REQUEST_NULL;
  std::vector<Napi::Reference<Napi::Value>> keep;  // JS buffers MPI uses until completion
  std::vector<int> ints[4];                         // counts/displacements of v-collectives
  int opSlot = -1;
  bool used = false;
  void* landing = nullptr;       // a posted receive's landing, until its message is handed to g_landed
  void* direct = nullptr;        // a posted receive's own target, in front of its landing
  size_t directBytes = 0;
  std::vector<uint8_t> staged;   // a small value message's header and bytes, for a nonblocking send
  bool persistent = false;       // made by MPI_*_init: MPI_Start begins each round, requestFree ends it
  std::unique_ptr<MPI_Comm> madeComm;  // MPI_Comm_idup's new communicator, which MPI may set only at completion
  int madeSlot = -1;                   // its g_comms slot, MPI_COMM_NULL (unusable) until then
};
Table<std::unique_ptr<Req>> g_requests;

int addRequest(std::unique_ptr<Req> r) {
  r->used = true;
  return g_requests.add(std::move(r));
}

Req* requestArg(const Napi::CallbackInfo& info, size_t i, int* idOut) {
  int id = intArg(info, i);
  if (id < 0 || static_cast<size_t>(id) >= g_requests.items.size() || !g_requests.items[id]) {
    throwClass(info.Env(), "ERR_ARG", "mpi4ts native: invalid request handle");
  }
  *idOut = id;
  return g_requests.items[id].get();
}

void keep(Req& r, const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return;
  r.keep.push_back(Napi::Persistent(info[i]));
}

void writeStatus(const MPI_Status& st) {
  g_status[ST_SOURCE] = st.MPI_SOURCE;
  g_status[ST_TAG] = st.MPI_TAG;
  int count = 0;
  MPI_Count bytes = 0;
  MPI_Get_elements_x(&st, MPI_BYTE, &bytes);
  g_status[ST_COUNT] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(bytes)));
  g_status[ST_COUNT_HIGH] = static_cast<int32_t>(static_cast<uint64_t>(bytes) >> 32);
  g_status[ST_ERROR] = 0;
  int flag = 0;
  MPI_Test_cancelled(&st, &flag);
  g_status[ST_CANCELLED] = flag;
}

// The byte count writeStatus recorded.
size_t statusBytes() {
  return static_cast<size_t>(static_cast<uint32_t>(g_status[ST_COUNT])) | (static_cast<size_t>(static_cast<uint32_t>(g_status[ST_COUNT_HIGH])) << 32);
}

// Completes a request's bookkeeping: drops references and the op, then frees the slot.
// Throws the user op's exception, if its function threw.
void finishRequest(Napi::Env env, int id) {
  std::unique_ptr<Req> r = std::move(g_requests.items[id]);
  g_requests.remove(id);
  if (r->madeComm) g_comms.items[r->madeSlot] = *r->madeComm;
  r->keep.clear();
  if (r->landing) releaseLanding(r->landing, 0);
  releaseOpOrThrow(env, r->opSlot);
}

// ---- persistent collectives (MPI-4): one round per MPI_Start, the request kept until requestFree ----------
// The end of a persistent request's round: it stays (inactive) with its buffers and op; an exception the user
// op's JS function threw in this round is thrown, and the op is ready for the next round.
void finishRound(Napi::Env env, Req& r) {
  if (r.opSlot < 0) return;
  UserOp& u = g_userOps[r.opSlot];
  if (!u.failed) return;
  Napi::Value err = u.error.IsEmpty() ? Napi::Value() : u.error.Value();
  u.error.Reset();
  u.failed = false;
  if (!err.IsEmpty()) throw Napi::Error(env, err);
}

void finishRequestOrRound(Napi::Env env, int id) {
  Req& r = *g_requests.items[id];
  if (r.persistent) finishRound(env, r);
  else finishRequest(env, id);
}

// start(request): begins the next round of a persistent request (MPI_Start).
Napi::Value Start(const Napi::CallbackInfo& info) {
  int id;
  Req* r = requestArg(info, 0, &id);
  if (!r->persistent) throwClass(info.Env(), "ERR_REQUEST", "mpi4ts native: start of a request that is not persistent");
  check(info.Env(), MPI_Start(&r->req), "MPI_Start");
  return info.Env().Undefined();
}

// requestFree(request): frees an inactive persistent request (MPI_Request_free) with its buffers and op.
Napi::Value RequestFree(const Napi::CallbackInfo& info) {
  int id;
  Req* r = requestArg(info, 0, &id);
  int rc = r->req != MPI_REQUEST_NULL ? MPI_Request_free(&r->req) : MPI_SUCCESS;
  finishRequest(info.Env(), id);
  check(info.Env(), rc, "MPI_Request_free");
  return info.Env().Undefined();
}

// ---- blocking or nonblocking calls ---------------------------------------------------------------------
// One MPI operation in its two forms, MPI_X(args...) and MPI_IX(args..., &request), with their names for errors.
template <typename... A>
struct MpiCall {
  int (*blocking)(A...);
  int (*nonblocking)(A..., MPI_Request*);
  const char* blockingName;
  const char* nonblockingName;
  int (*persistent)(A..., MPI_Info, MPI_Request*) = nullptr;  // a collective's MPI_X_init (MPI-4), if any
  const char* persistentName = nullptr;
};

template <typename T>
struct NotDeduced { using type = T; };

// The arguments' types come from the blocking form; the nonblocking form must take them too, then a request.
template <typename... A>
MpiCall<A...> mpiCall(int (*blocking)(A...), typename NotDeduced<int (*)(A..., MPI_Request*)>::type nonblocking,
                      const char* blockingName, const char* nonblockingName) {
  return {blocking, nonblocking, blockingName, nonblockingName};
}
#define MPI_CALL(blocking, nonblocking) mpiCall(blocking, nonblocking, #blocking, #nonblocking)

// A collective in its three forms: MPI_X, MPI_IX and, where the MPI is MPI-4, MPI_X_init.
template <typename... A>
MpiCall<A...> withInit(MpiCall<A...> call, typename NotDeduced<int (*)(A..., MPI_Info, MPI_Request*)>::type init,
                       const char* initName) {
  call.persistent = init;
  call.persistentName = initName;
  return call;
}
// Open MPI 4.1 (MPI 3.1) has them as an extension, MPIX_X_init, with MPI-4's arguments: matched by their inits as
// MPI-4's are, where the nonblocking form at each start would be matched by the starts.
#if MPI_VERSION < 4 && defined(OMPI_HAVE_MPI_EXT_PCOLLREQ) && OMPI_HAVE_MPI_EXT_PCOLLREQ
#define HAVE_PERSISTENT_COLLECTIVES 1
#define MPI_Barrier_init MPIX_Barrier_init
#define MPI_Bcast_init MPIX_Bcast_init
#define MPI_Gatherv_init MPIX_Gatherv_init
#define MPI_Scatterv_init MPIX_Scatterv_init
#define MPI_Allgather_init MPIX_Allgather_init
#define MPI_Allgatherv_init MPIX_Allgatherv_init
#define MPI_Alltoall_init MPIX_Alltoall_init
#define MPI_Alltoallv_init MPIX_Alltoallv_init
#define MPI_Reduce_init MPIX_Reduce_init
#define MPI_Allreduce_init MPIX_Allreduce_init
#define MPI_Scan_init MPIX_Scan_init
#define MPI_Exscan_init MPIX_Exscan_init
#define MPI_Reduce_scatter_block_init MPIX_Reduce_scatter_block_init
#define MPI_Reduce_scatter_init MPIX_Reduce_scatter_init
#elif MPI_VERSION >= 4
#define HAVE_PERSISTENT_COLLECTIVES 1
#else
#define HAVE_PERSISTENT_COLLECTIVES 0
#endif
#if HAVE_PERSISTENT_COLLECTIVES
#define MPI_COLL(blocking, nonblocking, init) withInit(MPI_CALL(blocking, nonblocking), init, #init)
#else
#define MPI_COLL(blocking, nonblocking, init) MPI_CALL(blocking, nonblocking)
#endif

// A collective's last argument says how it starts: false (blocking), true (nonblocking) or "init" (persistent).
bool persistentArg(const Napi::CallbackInfo& info) {
  size_t n = info.Length();
  return n > 0 && info[n - 1].IsString() && info[n - 1].As<Napi::String>().Utf8Value() == "init";
}

// A request for the nonblocking form, nothing for the blocking one (which then allocates nothing).
std::unique_ptr<Req> requestIf(bool nb) { return nb ? std::make_unique<Req>() : nullptr; }

// Runs `call` on args: blocking (returns undefined), or when nb starts it on r's request and returns the
// request's id; the request then holds the JS buffers at argument indices `kept` and the user op `opSlot`
// (-1: none) until it completes. A user op is released when the call ends here (blocking, or failed to start),
// and an exception its JS function threw is rethrown after any MPI error.
template <typename... A, typename... Args>
Napi::Value callOrStart(const Napi::CallbackInfo& info, bool nb, std::unique_ptr<Req>& r, const MpiCall<A...>& call,
                        std::initializer_list<size_t> kept, int opSlot, Args... args) {
  Napi::Env env = info.Env();
  bool init = nb && persistentArg(info);
  if (init && !call.persistent) {
    releaseOp(env, opSlot);
    throwClass(env, "ERR_OTHER", "mpi4ts native: this MPI has no persistent collectives (MPI_*_init is MPI-4; Open MPI has them as MPIX_*_init)");
  }
  int rc = init ? call.persistent(args..., MPI_INFO_NULL, &r->req) : nb ? call.nonblocking(args..., &r->req) : call.blocking(args...);
  if (rc != MPI_SUCCESS || !nb) {
    Napi::Value err = releaseOp(env, opSlot);
    check(env, rc, init ? call.persistentName : nb ? call.nonblockingName : call.blockingName);
    if (!err.IsEmpty()) throw Napi::Error(env, err);
    return env.Undefined();
  }
  r->persistent = init;
  r->opSlot = opSlot;
  for (size_t i : kept) keep(*r, info, i);
  return Napi::Number::New(env, addRequest(std::move(r)));
}

// ---- environment ---------------------------------------------------------------------------------------
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (g_initialized) return Napi::Number::New(env, MPI_THREAD_FUNNELED);
  // Open MPI loads its components (plugins) with dlopen and they expect libmpi's symbols to be global; Node
  // loads addons (and so libmpi, their dependency) with RTLD_LOCAL. Promote libmpi to RTLD_GLOBAL first.
  Dl_info dli;
  if (dladdr(reinterpret_cast<void*>(&MPI_Init_thread), &dli) && dli.dli_fname) {
    void* h = dlopen(dli.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    if (!h) h = dlopen(dli.dli_fname, RTLD_NOW | RTLD_GLOBAL);
    (void)h;  // kept open for the life of the process
  }
  int provided = 0;
  int already = 0;
  MPI_Initialized(&already);
  if (!already) {
    // Only the main thread calls MPI (FUNNELED); MPI4TS_MPI_THREAD=single asks for MPI_THREAD_SINGLE instead.
    const char* level = getenv("MPI4TS_MPI_THREAD");
    int required = level && strcmp(level, "single") == 0 ? MPI_THREAD_SINGLE : MPI_THREAD_FUNNELED;
    int rc = MPI_Init_thread(nullptr, nullptr, required, &provided);
    if (rc != MPI_SUCCESS) throwClass(env, "ERR_OTHER", "MPI_Init_thread failed");
  } else {
    MPI_Query_thread(&provided);
  }
  g_initialized = true;
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  g_comms.items.clear();
  g_comms.add(MPI_COMM_WORLD);
  g_comms.add(MPI_COMM_SELF);
  napi_typedarray_type kinds[] = {napi_int8_array, napi_uint8_array, napi_uint8_clamped_array, napi_int16_array,
                                  napi_uint16_array, napi_int32_array, napi_uint32_array, napi_float32_array,
                                  napi_float64_array, napi_bigint64_array, napi_biguint64_array};
  for (int i = 0; i < N_TYPES; i++) g_pairTypes[i] = MPI_DATATYPE_NULL;
  for (napi_typedarray_type k : kinds) {
    MPI_Type_contiguous(2, datatypeOf(k), &g_pairTypes[k]);
    MPI_Type_commit(&g_pairTypes[k]);
  }
  MPI_Op_create(&maxlocFn, 1, &g_maxloc);
  MPI_Op_create(&minlocFn, 1, &g_minloc);
  MPI_Op_create(&clampedSumFn, 1, &g_clampedSum);
  MPI_Op_create(&clampedProdFn, 1, &g_clampedProd);
  return Napi::Number::New(env, provided);
}

Napi::Value SetStatusArray(const Napi::CallbackInfo& info) {
  View v = viewArg(info, 0);
  if (v.type != napi_int32_array || v.length < ST_LEN) throwClass(info.Env(), "ERR_ARG", "status array: Int32Array(8) expected");
  g_status_ref = Napi::Persistent(info[0]);
  g_status = static_cast<int32_t*>(v.data);
  return info.Env().Undefined();
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  if (g_initialized && !g_finalized) {
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin) {
      for (int i = 0; i < N_TYPES; i++) {
        if (g_pairTypes[i] != MPI_DATATYPE_NULL) MPI_Type_free(&g_pairTypes[i]);
      }
      if (g_maxloc != MPI_OP_NULL) MPI_Op_free(&g_maxloc);
      if (g_minloc != MPI_OP_NULL) MPI_Op_free(&g_minloc);
      if (g_clampedSum != MPI_OP_NULL) MPI_Op_free(&g_clampedSum);
      if (g_clampedProd != MPI_OP_NULL) MPI_Op_free(&g_clampedProd);
      MPI_Finalize();
    }
    g_finalized = true;
  }
  return info.Env().Undefined();
}

Napi::Value IsFinalized(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), g_finalized); }

Napi::Value Abort(const Napi::CallbackInfo& info) {
  int code = intArg(info, 1);
  MPI_Comm c = MPI_COMM_WORLD;
  int id = intArg(info, 0);
  if (id >= 0 && static_cast<size_t>(id) < g_comms.items.size() && g_comms.items[id] != MPI_COMM_NULL) c = g_comms.items[id];
  if (!g_initialized || g_finalized) _exit(code);
  MPI_Abort(c, code);
  _exit(code);
}

Napi::Value Wtime(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), MPI_Wtime()); }
Napi::Value Wtick(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), MPI_Wtick()); }

// A small file mapped shared into this process, as an ArrayBuffer: the rank writes what it is blocked in there
// (two stores per blocking call), and the launcher on the same host reads it when the job hangs
// (src/native/blocked-state.ts). Unmapped when the ArrayBuffer is collected; undefined when the file cannot be made.
Napi::Value MapShared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  size_t bytes = info[1].As<Napi::Number>().Uint32Value();
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return env.Undefined();
  if (ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    close(fd);
    return env.Undefined();
  }
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return env.Undefined();
  return Napi::ArrayBuffer::New(env, p, bytes, [](Napi::Env, void* data, size_t* length) {
    munmap(data, *length);
    delete length;
  }, new size_t(bytes));
}

Napi::Value ProcessorName(const Napi::CallbackInfo& info) {
  char name[MPI_MAX_PROCESSOR_NAME + 1];
  int len = 0;
  MPI_Get_processor_name(name, &len);
  return Napi::String::New(info.Env(), name, len);
}

Napi::Value LibraryVersion(const Napi::CallbackInfo& info) {
  char text[MPI_MAX_LIBRARY_VERSION_STRING + 1];
  int len = 0;
  MPI_Get_library_version(text, &len);
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == 0)) len--;
  return Napi::String::New(info.Env(), text, len);
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  int major = 0, minor = 0;
  MPI_Get_version(&major, &minor);
  Napi::Array a = Napi::Array::New(info.Env(), 2);
  a.Set(0u, major);
  a.Set(1u, minor);
  return a;
}

Napi::Value TagUb(const Napi::CallbackInfo& info) {
  requireInit(info.Env());
  int* ub = nullptr;
  int flag = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &ub, &flag);
  return Napi::Number::New(info.Env(), flag && ub ? *ub : 32767);
}

// ---- predefined attributes of MPI_COMM_WORLD (communicator attributes, src/attributes.ts) -----------------
// MPI_UNIVERSE_SIZE, MPI_APPNUM, MPI_WTIME_IS_GLOBAL by index 0, 1, 2; undefined where MPI sets none.
Napi::Value WorldAttr(const Napi::CallbackInfo& info) {
  requireInit(info.Env());
  static const int keyvals[] = {MPI_UNIVERSE_SIZE, MPI_APPNUM, MPI_WTIME_IS_GLOBAL};
  int which = intArg(info, 0);
  if (which < 0 || which > 2) return info.Env().Undefined();
  int* value = nullptr;
  int flag = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, keyvals[which], &value, &flag);
  if (!flag || !value) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), *value);
}

// Lets other processes on oversubscribed cores run while this rank polls.
Napi::Value Yield(const Napi::CallbackInfo& info) {
  sched_yield();
  return info.Env().Undefined();
}

// ---- communicators -------------------------------------------------------------------------------------
Napi::Value CommRank(const Napi::CallbackInfo& info) {
  int r = 0;
  check(info.Env(), MPI_Comm_rank(commArg(info, 0), &r), "MPI_Comm_rank");
  return Napi::Number::New(info.Env(), r);
}

Napi::Value CommSize(const Napi::CallbackInfo& info) {
  int s = 0;
  check(info.Env(), MPI_Comm_size(commArg(info, 0), &s), "MPI_Comm_size");
  return Napi::Number::New(info.Env(), s);
}

Napi::Value CommDup(const Napi::CallbackInfo& info) {
  MPI_Comm out;
  check(info.Env(), MPI_Comm_dup(commArg(info, 0), &out), "MPI_Comm_dup");
  return Napi::Number::New(info.Env(), g_comms.add(out));
}

// commIdup(comm) -> [request, comm]: the new communicator's handle is usable once the request completes.
Napi::Value CommIdup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto r = std::make_unique<Req>();
  r->madeComm = std::make_unique<MPI_Comm>(MPI_COMM_NULL);
  check(env, MPI_Comm_idup(commArg(info, 0), r->madeComm.get(), &r->req), "MPI_Comm_idup");
  r->madeSlot = g_comms.add(MPI_COMM_NULL);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(1u, Napi::Number::New(env, r->madeSlot));
  out.Set(0u, Napi::Number::New(env, addRequest(std::move(r))));
  return out;
}

Napi::Value CommSplit(const Napi::CallbackInfo& info) {
  MPI_Comm out;
  int color = intArg(info, 1);
  check(info.Env(), MPI_Comm_split(commArg(info, 0), color < 0 ? MPI_UNDEFINED : color, intArg(info, 2), &out), "MPI_Comm_split");
  if (out == MPI_COMM_NULL) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(), g_comms.add(out));
}

// ---- process numbering ("world ranks") ------------------------------------------------------------------
// mpi4ts names processes by number: MPI_COMM_WORLD's ranks first, then the processes of other MPI_COMM_WORLDs this
// process is connected to (spawned children, the parent), numbered from the world size up in the order they
// became known. The numbering is this process's own: ranks of other worlds are not comparable across processes.
MPI_Group g_others = MPI_GROUP_EMPTY;

// Every process this process can name: WORLD's group, then g_others (MPI_Group_union keeps that order).
MPI_Group universeGroup(Napi::Env env) {
  MPI_Group world, all;
  check(env, MPI_Comm_group(MPI_COMM_WORLD, &world), "MPI_Comm_group");
  int rc = MPI_Group_union(world, g_others, &all);
  MPI_Group_free(&world);
  check(env, rc, "MPI_Group_union");
  return all;
}

// Makes the processes of `group` that are not in WORLD nameable (after a spawn or a parent connection).
void addOthers(Napi::Env env, MPI_Group group) {
  MPI_Group all = universeGroup(env), fresh, grown;
  check(env, MPI_Group_difference(group, all, &fresh), "MPI_Group_difference");
  MPI_Group_free(&all);
  check(env, MPI_Group_union(g_others, fresh, &grown), "MPI_Group_union");
  MPI_Group_free(&fresh);
  if (g_others != MPI_GROUP_EMPTY) MPI_Group_free(&g_others);
  g_others = grown;
}

// The group of these process numbers, in this order (Create, Create_group); the caller frees it.
MPI_Group worldGroupOf(Napi::Env env, const std::vector<int>& ranks) {
  MPI_Group all = universeGroup(env), group;
  int rc = MPI_Group_incl(all, static_cast<int>(ranks.size()), ranks.data(), &group);
  MPI_Group_free(&all);
  check(env, rc, "MPI_Group_incl");
  return group;
}

// The process number of each member of `group`, in group rank order; frees `group`.
Napi::Value numbersOf(Napi::Env env, MPI_Group group) {
  MPI_Group all = universeGroup(env);
  int n = 0;
  MPI_Group_size(group, &n);
  std::vector<int> in(n), out(n);
  for (int i = 0; i < n; i++) in[i] = i;
  int rc = MPI_Group_translate_ranks(group, n, in.data(), all, out.data());
  MPI_Group_free(&all);
  MPI_Group_free(&group);
  check(env, rc, "MPI_Group_translate_ranks");
  Napi::Int32Array a = Napi::Int32Array::New(env, n);
  for (int i = 0; i < n; i++) a[i] = out[i];
  return a;
}

// Creates a communicator of the given WORLD ranks (in that order) over the members of comm.
Napi::Value CommCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MPI_Group group = worldGroupOf(env, intsArg(info, 1));
  MPI_Comm out;
  int rc = MPI_Comm_create(commArg(info, 0), group, &out);
  MPI_Group_free(&group);
  check(env, rc, "MPI_Comm_create");
  if (out == MPI_COMM_NULL) return Napi::Number::New(env, -1);
  return Napi::Number::New(env, g_comms.add(out));
}

// ---- communicator constructors of issue 10 (Split_type, Create_group) ------------------------------------
// MPI_Comm_split_type(comm, take ? MPI_COMM_TYPE_SHARED : MPI_UNDEFINED, key): one communicator per node.
Napi::Value CommSplitShared(const Napi::CallbackInfo& info) {
  MPI_Comm out;
  int type = info[1].As<Napi::Boolean>().Value() ? MPI_COMM_TYPE_SHARED : MPI_UNDEFINED;
  check(info.Env(), MPI_Comm_split_type(commArg(info, 0), type, intArg(info, 2), MPI_INFO_NULL, &out), "MPI_Comm_split_type");
  if (out == MPI_COMM_NULL) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(), g_comms.add(out));
}

// MPI_Comm_create_group over the given WORLD ranks (in that order): collective over those members only.
Napi::Value CommCreateGroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MPI_Group group = worldGroupOf(env, intsArg(info, 1));
  MPI_Comm out;
  int rc = MPI_Comm_create_group(commArg(info, 0), group, intArg(info, 2), &out);
  MPI_Group_free(&group);
  check(env, rc, "MPI_Comm_create_group");
  if (out == MPI_COMM_NULL) return Napi::Number::New(env, -1);
  return Napi::Number::New(env, g_comms.add(out));
}

Napi::Value CommFree(const Napi::CallbackInfo& info) {
  int id = intArg(info, 0);
  if (id <= 1) return info.Env().Undefined();  // WORLD and SELF are never freed
  MPI_Comm c = commArg(info, 0);
  if (!g_finalized) check(info.Env(), MPI_Comm_free(&c), "MPI_Comm_free");
  g_comms.items[id] = MPI_COMM_NULL;
  g_comms.free.push_back(id);
  return info.Env().Undefined();
}

// The process number of each member of comm (of an intercommunicator: of its local group), in rank order.
Napi::Value CommWorldRanks(const Napi::CallbackInfo& info) {
  MPI_Group group;
  check(info.Env(), MPI_Comm_group(commArg(info, 0), &group), "MPI_Comm_group");
  return numbersOf(info.Env(), group);
}

// ---- dynamic processes (MPI-4.0 chapter 11) --------------------------------------------------------------
// commSpawn(comm, root, commands, argvs, maxprocs, infos) -> [intercomm, errcodes]: MPI_Comm_spawn_multiple of
// commands[i] with argvs[i] as maxprocs[i] processes, infos[i] being [key, value, ...]. Collective over comm;
// everything but maxprocs (which sizes errcodes on every rank) matters at the root only.
Napi::Value CommSpawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MPI_Comm comm = commArg(info, 0);
  int root = intArg(info, 1);
  Napi::Array commandsJs = info[2].As<Napi::Array>(), argvsJs = info[3].As<Napi::Array>();
  Napi::Array countsJs = info[4].As<Napi::Array>(), infosJs = info[5].As<Napi::Array>();
  uint32_t n = countsJs.Length();
  std::vector<std::string> commands(n);
  std::vector<std::vector<std::string>> words(n);
  std::vector<std::vector<char*>> argvs(n);
  std::vector<char*> commandPtrs(n);
  std::vector<char**> argvPtrs(n);
  std::vector<int> counts(n);
  std::vector<MPI_Info> hints(n, MPI_INFO_NULL);
  int total = 0;
  for (uint32_t i = 0; i < n; i++) {
    counts[i] = countsJs.Get(i).As<Napi::Number>().Int32Value();
    total += std::max(counts[i], 0);
    if (i < commandsJs.Length()) commands[i] = commandsJs.Get(i).As<Napi::String>().Utf8Value();
    Napi::Array a = i < argvsJs.Length() ? argvsJs.Get(i).As<Napi::Array>() : Napi::Array::New(env);
    for (uint32_t j = 0; j < a.Length(); j++) words[i].push_back(a.Get(j).As<Napi::String>().Utf8Value());
    Napi::Array pairs = i < infosJs.Length() ? infosJs.Get(i).As<Napi::Array>() : Napi::Array::New(env);
    if (pairs.Length() > 0) {
      MPI_Info_create(&hints[i]);
      for (uint32_t j = 0; j + 1 < pairs.Length(); j += 2) {
        MPI_Info_set(hints[i], pairs.Get(j).As<Napi::String>().Utf8Value().c_str(), pairs.Get(j + 1).As<Napi::String>().Utf8Value().c_str());
      }
    }
  }
  for (uint32_t i = 0; i < n; i++) {
    for (std::string& w : words[i]) argvs[i].push_back(w.data());
    argvs[i].push_back(nullptr);
    commandPtrs[i] = commands[i].data();
    argvPtrs[i] = argvs[i].data();
  }
  std::vector<int> errcodes(std::max(total, 1), MPI_SUCCESS);
  MPI_Comm inter = MPI_COMM_NULL;
  int rc = MPI_Comm_spawn_multiple(static_cast<int>(n), commandPtrs.data(), argvPtrs.data(), counts.data(), hints.data(), root, comm, &inter, errcodes.data());
  for (MPI_Info& h : hints) if (h != MPI_INFO_NULL) MPI_Info_free(&h);
  check(env, rc, "MPI_Comm_spawn");
  MPI_Comm_set_errhandler(inter, MPI_ERRORS_RETURN);
  MPI_Group remote;
  check(env, MPI_Comm_remote_group(inter, &remote), "MPI_Comm_remote_group");
  addOthers(env, remote);
  MPI_Group_free(&remote);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, g_comms.add(inter)));
  Napi::Int32Array codes = Napi::Int32Array::New(env, total);
  for (int i = 0; i < total; i++) codes[i] = errcodes[i] == MPI_SUCCESS ? 0 : errcodes[i];
  out.Set(1u, codes);
  return out;
}

// The intercommunicator to the processes that spawned this one (MPI_Comm_get_parent), or -1; one handle for
// the life of the process, as MPI's.
int g_parentSlot = -2;
Napi::Value CommGetParent(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireInit(env);
  if (g_parentSlot == -2) {
    MPI_Comm parent = MPI_COMM_NULL;
    check(env, MPI_Comm_get_parent(&parent), "MPI_Comm_get_parent");
    if (parent == MPI_COMM_NULL) {
      g_parentSlot = -1;
    } else {
      MPI_Comm_set_errhandler(parent, MPI_ERRORS_RETURN);
      MPI_Group remote;
      check(env, MPI_Comm_remote_group(parent, &remote), "MPI_Comm_remote_group");
      addOthers(env, remote);
      MPI_Group_free(&remote);
      g_parentSlot = g_comms.add(parent);
    }
  }
  return Napi::Number::New(env, g_parentSlot);
}

// The process numbers of an intercommunicator's remote group, in its rank order.
Napi::Value CommRemoteWorldRanks(const Napi::CallbackInfo& info) {
  MPI_Group group;
  check(info.Env(), MPI_Comm_remote_group(commArg(info, 0), &group), "MPI_Comm_remote_group");
  return numbersOf(info.Env(), group);
}

// MPI_Intercomm_merge(intercomm, high): the group passing high=false first.
Napi::Value CommMerge(const Napi::CallbackInfo& info) {
  MPI_Comm out;
  check(info.Env(), MPI_Intercomm_merge(commArg(info, 0), info[1].As<Napi::Boolean>().Value() ? 1 : 0, &out), "MPI_Intercomm_merge");
  return Napi::Number::New(info.Env(), g_comms.add(out));
}

// MPI_Comm_disconnect: frees the communicator once its pending communication is done, and (for the last
// communicator between two worlds) leaves their processes independent.
Napi::Value CommDisconnect(const Napi::CallbackInfo& info) {
  int id = intArg(info, 0);
  MPI_Comm c = commArg(info, 0);
  if (!g_finalized) check(info.Env(), MPI_Comm_disconnect(&c), "MPI_Comm_disconnect");
  g_comms.items[id] = MPI_COMM_NULL;
  g_comms.free.push_back(id);
  if (id == g_parentSlot) g_parentSlot = -1;
  return info.Env().Undefined();
}

// ---- point-to-point ------------------------------------------------------------------------------------
// Value messages up to this size are staged (header and bytes copied together); larger ones go out as one
// two-block datatype over the header and the caller's bytes, without a copy.
constexpr size_t kStagedValueBytes = 4096;

// send(comm, bytes, dest, tag, sync, value); isend(...) the same -> request id. With `value` the message is the
// value header followed by the bytes.
Napi::Value SendLike(const Napi::CallbackInfo& info, bool nb) {
  Napi::Env env = info.Env();
  MPI_Comm c = commArg(info, 0);
  View v = viewArg(info, 1);
  int dest = mapDest(intArg(info, 2)), tag = intArg(info, 3);
  bool sync = info[4].ToBoolean().Value();
  bool value = info[5].ToBoolean().Value();
  auto r = requestIf(nb);
  auto call = sync ? MPI_CALL(MPI_Ssend, MPI_Issend) : MPI_CALL(MPI_Send, MPI_Isend);
  if (!value) {
    ByteSpan span(v.bytes);
    return callOrStart(info, nb, r, call, {1}, -1, v.data, span.count, span.type, dest, tag, c);
  }
  if (v.bytes + kHeaderBytes <= kStagedValueBytes) {
    int total = static_cast<int>(v.bytes + kHeaderBytes);
    uint8_t onStack[kStagedValueBytes];
    uint8_t* staged = onStack;
    if (nb) {
      r->staged.resize(total);
      staged = r->staged.data();
    }
    memcpy(staged, kValueHeader, kHeaderBytes);
    memcpy(staged + kHeaderBytes, v.data, v.bytes);
    return callOrStart(info, nb, r, call, {}, -1, static_cast<void*>(staged), total, MPI_BYTE, dest, tag, c);
  }
  MPI_Datatype framed = twoBlocks(kValueHeader, kHeaderBytes, v.data, v.bytes);
  // Freeing a datatype while a nonblocking send uses it is allowed: MPI keeps it until the send completes.
  struct FreeType {
    MPI_Datatype* t;
    ~FreeType() { MPI_Type_free(t); }
  } freeType{&framed};
  return callOrStart(info, nb, r, call, {1}, -1, MPI_BOTTOM, 1, framed, dest, tag, c);
}

Napi::Value Send(const Napi::CallbackInfo& info) { return SendLike(info, false); }
Napi::Value Isend(const Napi::CallbackInfo& info) { return SendLike(info, true); }

// probe-like(comm, source, tag)
struct ProbeArgs {
  MPI_Comm comm;
  int source, tag;
};

ProbeArgs probeArgs(const Napi::CallbackInfo& info) {
  return {commArg(info, 0), mapSource(intArg(info, 1)), mapTag(intArg(info, 2))};
}

// Keeps a matched message: fills the status array (with the message's id) and returns the id.
int addMessage(MPI_Message m, const MPI_Status& st) {
  writeStatus(st);
  int id = g_messages.add(m);
  g_status[ST_MESSAGE] = id;
  return id;
}

Napi::Value Mprobe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ProbeArgs a = probeArgs(info);
  MPI_Message m;
  MPI_Status st;
  check(env, MPI_Mprobe(a.source, a.tag, a.comm, &m, &st), "MPI_Mprobe");
  return Napi::Number::New(env, addMessage(m, st));
}

// improbe(comm, source, tag) -> the matched message's id (status array filled), or -1 when none is there.
Napi::Value Improbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ProbeArgs a = probeArgs(info);
  MPI_Message m;
  MPI_Status st;
  int flag = 0;
  check(env, MPI_Improbe(a.source, a.tag, a.comm, &flag, &m, &st), "MPI_Improbe");
  return Napi::Number::New(env, flag ? addMessage(m, st) : -1);
}

MPI_Message takeMessage(const Napi::CallbackInfo& info, size_t i) {
  int id = intArg(info, i);
  if (id < 0 || static_cast<size_t>(id) >= g_messages.items.size() || g_messages.items[id] == MPI_MESSAGE_NULL) {
    throwClass(info.Env(), "ERR_ARG", "mpi4ts native: invalid message handle");
  }
  MPI_Message m = g_messages.items[id];
  g_messages.items[id] = MPI_MESSAGE_NULL;
  g_messages.free.push_back(id);
  return m;
}

// mrecv(message, bytes): receives a matched message into bytes (which must be large enough).
Napi::Value Mrecv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View v = viewArg(info, 1);
  MPI_Message m = takeMessage(info, 0);
  MPI_Status st;
  ByteSpan span(v.bytes);
  check(env, MPI_Mrecv(v.data, span.count, span.type, &m, &st), "MPI_Mrecv");
  return env.Undefined();
}

// irecvLanded(comm, source, tag) -> request id: a posted receive into a landing (see acquireLanding).
Napi::Value IrecvLanded(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MPI_Comm c = commArg(info, 0);
  int source = mapSource(intArg(info, 1)), tag = mapTag(intArg(info, 2));
  auto r = std::make_unique<Req>();
  r->landing = acquireLanding(env);
  check(env, MPI_Irecv(r->landing, landingCount(), MPI_BYTE, source, tag, c, &r->req), "MPI_Irecv");
  return Napi::Number::New(env, addRequest(std::move(r)));
}

// irecvInto(comm, source, tag, target) -> request id: a posted receive straight into target, with a landing
// behind it (one two-block datatype) for whatever a longer message brings, so that the message is never lost.
Napi::Value IrecvInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MPI_Comm c = commArg(info, 0);
  int source = mapSource(intArg(info, 1)), tag = mapTag(intArg(info, 2));
  View target = viewArg(info, 3);
  auto r = std::make_unique<Req>();
  r->landing = acquireLanding(env);
  r->direct = target.data;
  r->directBytes = target.bytes;
  // Up to 2 GiB in all the landing takes what comes past the target; a larger target gets a whole landing.
  size_t direct = target.bytes, max = static_cast<size_t>(INT32_MAX);
  MPI_Datatype both = twoBlocks(target.data, direct, r->landing, direct <= max ? std::min(landingBytes(), max - direct) : landingBytes());
  int rc = MPI_Irecv(MPI_BOTTOM, 1, both, source, tag, c, &r->req);
  MPI_Type_free(&both);  // MPI keeps it until the receive completes
  if (rc != MPI_SUCCESS) releaseLanding(r->landing, 0);
  check(env, rc, "MPI_Irecv");
  keep(*r, info, 3);
  return Napi::Number::New(env, addRequest(std::move(r)));
}

// A completed receive's landing becomes a landed message (its id in the status array, -1 when cancelled). For a
// receive into a target, the status counts the whole message and the landed part is what came past the target.
void land(Req& r) {
  if (!r.landing) return;
  if (g_status[ST_CANCELLED]) {
    releaseLanding(r.landing, 0);
    g_status[ST_MESSAGE] = -1;
  } else {
    if (r.direct) {
      size_t bytes = statusBytes();
      g_status[ST_VALUE] = startsWithHeader(r.direct, std::min(bytes, r.directBytes)) ? 1 : 0;
      g_status[ST_MESSAGE] = g_landed.add({r.landing, bytes > r.directBytes ? bytes - r.directBytes : 0});
    } else {
      size_t bytes = statusBytes();
      g_status[ST_VALUE] = startsWithHeader(r.landing, bytes) ? 1 : 0;
      g_status[ST_MESSAGE] = g_landed.add({r.landing, bytes});
    }
  }
  r.landing = nullptr;
}

// takeLanded(id, target, offset): copies the landed message's bytes from `offset` on into target (null: none
// wanted) and releases the landing.
Napi::Value TakeLanded(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int id = intArg(info, 0);
  if (id < 0 || static_cast<size_t>(id) >= g_landed.items.size() || !g_landed.items[id].base) {
    throwClass(env, "ERR_ARG", "mpi4ts native: invalid landed message handle");
  }
  Landed landed = g_landed.items[id];
  g_landed.remove(id);
  View target = viewArg(info, 1);
  size_t offset = static_cast<size_t>(int64Arg(info, 2));
  if (target.present && offset + target.bytes <= landed.bytes) {
    memcpy(target.data, static_cast<uint8_t*>(landed.base) + offset, target.bytes);
  }
  releaseLanding(landed.base, landed.bytes);
  if (target.present && offset + target.bytes > landed.bytes) throwClass(env, "ERR_ARG", "mpi4ts native: landed message is shorter than its target");
  return env.Undefined();
}

// valueHeader() -> a copy of the header that starts every value message.
Napi::Value ValueHeader(const Napi::CallbackInfo& info) {
  Napi::Uint8Array a = Napi::Uint8Array::New(info.Env(), kHeaderBytes);
  memcpy(a.Data(), kValueHeader, kHeaderBytes);
  return a;
}

// test(request) -> true when complete (the request is then freed; status array filled)
Napi::Value Test(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int id;
  Req* r = requestArg(info, 0, &id);
  int flag = 0;
  MPI_Status st;
  int rc = MPI_Test(&r->req, &flag, &st);
  if (rc != MPI_SUCCESS) {
    finishRequestOrRound(env, id);
    check(env, rc, "MPI_Test");
  }
  if (!flag) return Napi::Boolean::New(env, false);
  writeStatus(st);
  land(*r);
  finishRequestOrRound(env, id);
  return Napi::Boolean::New(env, true);
}

Napi::Value Wait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int id;
  Req* r = requestArg(info, 0, &id);
  MPI_Status st;
  int rc = MPI_Wait(&r->req, &st);
  if (rc != MPI_SUCCESS) {
    finishRequestOrRound(env, id);
    check(env, rc, "MPI_Wait");
  }
  writeStatus(st);
  land(*r);
  finishRequestOrRound(env, id);
  return env.Undefined();
}

Napi::Value Cancel(const Napi::CallbackInfo& info) {
  int id;
  Req* r = requestArg(info, 0, &id);
  if (r->req != MPI_REQUEST_NULL) check(info.Env(), MPI_Cancel(&r->req), "MPI_Cancel");
  return info.Env().Undefined();
}

// ---- collectives ---------------------------------------------------------------------------------------
inline void* sendPtr(const View& v) { return v.present ? v.data : MPI_IN_PLACE; }
inline void* recvPtr(const View& v) { return v.present ? v.data : nullptr; }
inline const int* intsOrNull(const std::vector<int>& v) { return v.empty() ? nullptr : v.data(); }
bool nonblockingArg(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }

Napi::Value BarrierLike(const Napi::CallbackInfo& info, bool nb) {
  auto r = requestIf(nb);
  return callOrStart(info, nb, r, MPI_COLL(MPI_Barrier, MPI_Ibarrier, MPI_Barrier_init), {}, -1, commArg(info, 0));
}
Napi::Value Barrier(const Napi::CallbackInfo& info) { return BarrierLike(info, false); }
Napi::Value Ibarrier(const Napi::CallbackInfo& info) { return BarrierLike(info, true); }

// bcast(comm, bytes, root); ibcast(...) the same -> request id
Napi::Value BcastLike(const Napi::CallbackInfo& info, bool nb) {
  View v = viewArg(info, 1);
  auto r = requestIf(nb);
#ifdef MPICH_VERSION
  // Every rank has as many bytes, so every rank refuses alike.
  if (nb && v.bytes > static_cast<size_t>(INT32_MAX)) {
    throwClass(info.Env(), "ERR_COUNT", "mpi4ts native: MPICH 4.0's MPI_Ibcast fails above 2 GiB - 1 bytes (its schedule reports an invalid communicator); use Bcast");
  }
#endif
  ByteSpan span(v.bytes);  // every rank has as many bytes: the same type on every rank
  return callOrStart(info, nb, r, MPI_COLL(MPI_Bcast, MPI_Ibcast, MPI_Bcast_init), {1}, -1, v.data, span.count, span.type,
                     intArg(info, 2), commArg(info, 0));
}
Napi::Value Bcast(const Napi::CallbackInfo& info) { return BcastLike(info, false); }
Napi::Value Ibcast(const Napi::CallbackInfo& info) { return BcastLike(info, true); }

// The arguments of gatherv and scatterv: (comm, ..., root, nonblocking) at 0, 5 and 6, the two buffers and the
// counts/displacements where each puts them (the root's, in units: the request holds them).
struct RootedV {
  MPI_Comm comm;
  View send, recv;
  std::unique_ptr<Req> r;
  std::unique_ptr<ByteUnits> units;
  const int* counts;
  const int* displs;
  int root;
  bool nb;
  int rank;
};

RootedV rootedVArgs(const Napi::CallbackInfo& info, size_t sendAt, size_t recvAt, size_t countsAt) {
  RootedV a;
  a.comm = commArg(info, 0);
  a.send = viewArg(info, sendAt);
  a.recv = viewArg(info, recvAt);
  a.r = std::make_unique<Req>();
  a.units = std::make_unique<ByteUnits>(info.Env(), countsArg(info, countsAt), &a.r->ints[0], countsArg(info, countsAt + 1), &a.r->ints[1]);
  a.counts = intsOrNull(a.r->ints[0]);
  a.displs = intsOrNull(a.r->ints[1]);
  a.root = intArg(info, 5);
  a.nb = nonblockingArg(info, 6);
  MPI_Comm_rank(a.comm, &a.rank);
  return a;
}

// gatherv(comm, send|null, recv|null, counts|null, displs|null, root, nonblocking)
Napi::Value Gatherv(const Napi::CallbackInfo& info) {
  RootedV a = rootedVArgs(info, 1, 2, 3);
  ByteSpan sent(a.send.present ? a.send.bytes : 0);
  void* sp = a.send.present || a.rank == a.root ? sendPtr(a.send) : nullptr;
  return callOrStart(info, a.nb, a.r, MPI_COLL(MPI_Gatherv, MPI_Igatherv, MPI_Gatherv_init), {1, 2}, -1, sp, sent.count, sent.type,
                     recvPtr(a.recv), a.counts, a.displs, a.units->type, a.root, a.comm);
}

// scatterv(comm, send|null, counts|null, displs|null, recv|null, root, nonblocking)
Napi::Value Scatterv(const Napi::CallbackInfo& info) {
  RootedV a = rootedVArgs(info, 1, 4, 2);
  void* rp = a.recv.present ? a.recv.data : (a.rank == a.root ? MPI_IN_PLACE : nullptr);
  ByteSpan got(a.recv.present ? a.recv.bytes : 0);
  return callOrStart(info, a.nb, a.r, MPI_COLL(MPI_Scatterv, MPI_Iscatterv, MPI_Scatterv_init), {1, 4}, -1, recvPtr(a.send), a.counts,
                     a.displs, a.units->type, rp, got.count, got.type, a.root, a.comm);
}

// True when every block has the same size and block i starts at i * size (then the v-variant equals the plain one).
bool uniformBlocks(const std::vector<int64_t>& counts, const std::vector<int64_t>& displs, int64_t* each) {
  if (counts.empty() || counts.size() != displs.size()) return false;
  int64_t n = counts[0];
  for (size_t i = 0; i < counts.size(); i++) {
    if (counts[i] != n || displs[i] != static_cast<int64_t>(i) * n) return false;
  }
  *each = n;
  return true;
}

// allgatherv(comm, send|null, recv, counts, displs, nonblocking)
Napi::Value Allgatherv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MPI_Comm c = commArg(info, 0);
  View s = viewArg(info, 1), rv = viewArg(info, 2);
  auto r = std::make_unique<Req>();
  std::vector<int64_t> counts = countsArg(info, 3), displs = countsArg(info, 4);
  bool nb = nonblockingArg(info, 5);
  ByteSpan sent(s.present ? s.bytes : 0);
  // Equal blocks in rank order: MPI_Allgather, which C or Python peers calling MPI_Allgather can join. Not when
  // persistent: MPICH 4.0's MPI_Allgather_init delivers the peers' blocks in the first round only (measured here;
  // see pmodels/mpich#6423), its MPI_Allgatherv_init every round.
  int64_t each = 0;
  if (!persistentArg(info) && uniformBlocks(counts, displs, &each) && (!s.present || static_cast<int64_t>(s.bytes) == each)) {
    ByteSpan block(static_cast<size_t>(each));  // a block of 2 GiB or more is one element of a type that long
    return callOrStart(info, nb, r, MPI_COLL(MPI_Allgather, MPI_Iallgather, MPI_Allgather_init), {1, 2}, -1, sendPtr(s), sent.count, sent.type,
                       rv.data, block.count, block.type, c);
  }
  ByteUnits units(env, counts, &r->ints[0], displs, &r->ints[1]);
  return callOrStart(info, nb, r, MPI_COLL(MPI_Allgatherv, MPI_Iallgatherv, MPI_Allgatherv_init), {1, 2}, -1, sendPtr(s), sent.count, sent.type,
                     rv.data, r->ints[0].data(), r->ints[1].data(), units.type, c);
}

// alltoallv(comm, send, sendCounts, sendDispls, recv, recvCounts, recvDispls, nonblocking)
Napi::Value Alltoallv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MPI_Comm c = commArg(info, 0);
  View s = viewArg(info, 1), rv = viewArg(info, 4);
  auto r = std::make_unique<Req>();
  std::vector<int64_t> sc = countsArg(info, 2), sd = countsArg(info, 3), rc = countsArg(info, 5), rd = countsArg(info, 6);
  bool nb = nonblockingArg(info, 7);
  int64_t sEach = 0, rEach = 0;
  if (s.present && uniformBlocks(sc, sd, &sEach) && uniformBlocks(rc, rd, &rEach) && sEach == rEach) {
    // Equal blocks in rank order: MPI_Alltoall, which C or Python peers calling MPI_Alltoall can join.
    ByteSpan block(static_cast<size_t>(sEach));
    return callOrStart(info, nb, r, MPI_COLL(MPI_Alltoall, MPI_Ialltoall, MPI_Alltoall_init), {1, 4}, -1, s.data, block.count, block.type, rv.data,
                       block.count, block.type, c);
  }
  ByteUnits out(env, sc, &r->ints[0], sd, &r->ints[1]), in(env, rc, &r->ints[2], rd, &r->ints[3]);
  return callOrStart(info, nb, r, MPI_COLL(MPI_Alltoallv, MPI_Ialltoallv, MPI_Alltoallv_init), {1, 4}, -1, sendPtr(s), r->ints[0].data(),
                     r->ints[1].data(), out.type, rv.data, r->ints[2].data(), r->ints[3].data(), in.type, c);
}

int elementCount(Napi::Env env, const View& v, const OpUse& op) {
  size_t n = v.length;
  if (op.countDivisor == 2 && (n % 2) != 0) {
    throwClass(env, "ERR_COUNT", "MAXLOC/MINLOC on a typed array take [value, index] pairs: the length must be even");
  }
  return intCount(env, n / op.countDivisor, "reductions of 2^31 elements or more");
}

// The arguments of reduce, allreduce, scan and exscan: (comm, send|null, recv|null, op, commute, root,
// nonblocking); the op's datatype and count follow recv (send when recv is null).
struct Reduction {
  MPI_Comm comm;
  View send, recv;
  OpUse op;
  int root;
  bool nb;
  int count;
  std::unique_ptr<Req> r;
};

Reduction reductionArgs(const Napi::CallbackInfo& info) {
  Reduction a;
  a.comm = commArg(info, 0);
  a.send = viewArg(info, 1);
  a.recv = viewArg(info, 2);
  const View& typed = a.recv.present ? a.recv : a.send;
  a.op = opArg(info, 3, 4, typed.type);
  a.root = intArg(info, 5);
  a.nb = nonblockingArg(info, 6);
  a.count = elementCount(info.Env(), typed, a.op);
  a.r = std::make_unique<Req>();
  return a;
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Reduction a = reductionArgs(info);
  return callOrStart(info, a.nb, a.r, MPI_COLL(MPI_Reduce, MPI_Ireduce, MPI_Reduce_init), {1, 2}, a.op.slot, sendPtr(a.send),
                     recvPtr(a.recv), a.count, a.op.type, a.op.op, a.root, a.comm);
}

// allreduce, scan and exscan: the same arguments as reduce, whose root they ignore.
template <typename Call>
Napi::Value RootlessReduction(const Napi::CallbackInfo& info, const Call& call) {
  Reduction a = reductionArgs(info);
  return callOrStart(info, a.nb, a.r, call, {1, 2}, a.op.slot, sendPtr(a.send), recvPtr(a.recv), a.count, a.op.type,
                     a.op.op, a.comm);
}
Napi::Value Allreduce(const Napi::CallbackInfo& info) { return RootlessReduction(info, MPI_COLL(MPI_Allreduce, MPI_Iallreduce, MPI_Allreduce_init)); }
Napi::Value Scan(const Napi::CallbackInfo& info) { return RootlessReduction(info, MPI_COLL(MPI_Scan, MPI_Iscan, MPI_Scan_init)); }
Napi::Value Exscan(const Napi::CallbackInfo& info) { return RootlessReduction(info, MPI_COLL(MPI_Exscan, MPI_Iexscan, MPI_Exscan_init)); }

// reduceScatter(comm, send|null, recv, counts, op, commute, block, nonblocking): with `block` (every count the
// same) MPI_Reduce_scatter_block, which is what a C or Python peer calling Reduce_scatter_block joins.
Napi::Value ReduceScatter(const Napi::CallbackInfo& info) {
  MPI_Comm c = commArg(info, 0);
  View s = viewArg(info, 1), rv = viewArg(info, 2);
  auto r = std::make_unique<Req>();
  for (int64_t n : countsArg(info, 3)) r->ints[0].push_back(intCount(info.Env(), static_cast<size_t>(n), "reductions of 2^31 elements or more"));  // element counts, alike on every rank
  const View& typed = s.present ? s : rv;
  OpUse op = opArg(info, 4, 5, typed.type);
  bool block = info[6].ToBoolean().Value() && !r->ints[0].empty();
  bool nb = nonblockingArg(info, 7);
  if (op.countDivisor == 2) {
    for (int& n : r->ints[0]) n /= 2;
  }
  if (block) {
    return callOrStart(info, nb, r, MPI_COLL(MPI_Reduce_scatter_block, MPI_Ireduce_scatter_block, MPI_Reduce_scatter_block_init),
                       {1, 2}, op.slot, sendPtr(s), rv.data, r->ints[0][0], op.type, op.op, c);
  }
  return callOrStart(info, nb, r, MPI_COLL(MPI_Reduce_scatter, MPI_Ireduce_scatter, MPI_Reduce_scatter_init), {1, 2}, op.slot, sendPtr(s),
                     rv.data, r->ints[0].data(), op.type, op.op, c);
}

#include "file.inc.cc"
#include "win.inc.cc"

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  g_status = g_status_fallback;
  auto fn = [&](const char* name, Napi::Value (*f)(const Napi::CallbackInfo&)) {
    exports.Set(name, Napi::Function::New(env, f, name));
  };
  registerFile(fn);
  fn("init", Init);
  fn("setStatusArray", SetStatusArray);
  fn("finalize", Finalize);
  fn("isFinalized", IsFinalized);
  fn("abort", Abort);
  fn("wtime", Wtime);
  fn("mapShared", MapShared);
  fn("wtick", Wtick);
  fn("processorName", ProcessorName);
  fn("libraryVersion", LibraryVersion);
  fn("version", Version);
  fn("tagUb", TagUb);
  fn("worldAttr", WorldAttr);
  fn("yield", Yield);
  fn("commRank", CommRank);
  fn("commSize", CommSize);
  fn("commDup", CommDup);
  fn("commIdup", CommIdup);
  fn("commSplit", CommSplit);
  fn("commCreate", CommCreate);
  fn("commFree", CommFree);
  fn("commSplitShared", CommSplitShared);
  fn("commCreateGroup", CommCreateGroup);
  fn("commWorldRanks", CommWorldRanks);
  fn("commSpawn", CommSpawn);
  fn("commGetParent", CommGetParent);
  fn("commRemoteWorldRanks", CommRemoteWorldRanks);
  fn("commMerge", CommMerge);
  fn("commDisconnect", CommDisconnect);
  fn("send", Send);
  fn("isend", Isend);
  fn("mprobe", Mprobe);
  fn("improbe", Improbe);
  fn("mrecv", Mrecv);
  fn("irecvLanded", IrecvLanded);
  fn("irecvInto", IrecvInto);
  fn("takeLanded", TakeLanded);
  fn("valueHeader", ValueHeader);
  fn("test", Test);
  fn("wait", Wait);
  fn("cancel", Cancel);
  fn("barrier", Barrier);
  fn("ibarrier", Ibarrier);
  fn("bcast", Bcast);
  fn("ibcast", Ibcast);
  fn("gatherv", Gatherv);
  fn("scatterv", Scatterv);
  fn("allgatherv", Allgatherv);
  fn("alltoallv", Alltoallv);
  fn("reduce", Reduce);
  fn("allreduce", Allreduce);
  fn("scan", Scan);
  fn("exscan", Exscan);
  fn("reduceScatter", ReduceScatter);
  fn("start", Start);
  fn("requestFree", RequestFree);
  registerWin(fn);
  exports.Set("persistentCollectives", Napi::Boolean::New(env, HAVE_PERSISTENT_COLLECTIVES != 0));
  // Which MPI this addon was compiled against, so the loader can refuse a mismatch with a clear message.
#if defined(OPEN_MPI)
  exports.Set("flavour", Napi::String::New(env, "openmpi"));
#elif defined(MPICH_VERSION)
  exports.Set("flavour", Napi::String::New(env, "mpich"));
#else
  exports.Set("flavour", Napi::String::New(env, "unknown"));
#endif
  exports.Set("mpiVersion", Napi::String::New(env, std::to_string(MPI_VERSION) + "." + std::to_string(MPI_SUBVERSION)));
  return exports;
}

}  // namespace

NODE_API_MODULE(mpi4ts_native, InitModule)
