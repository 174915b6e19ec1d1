/*
 * What the local engine's rank threads need and JavaScript cannot do. Optional: built at install when a C
 * compiler is there (native/install.mjs); without it the engine takes slower paths with the same results.
 *
 * yield(): sched_yield(2). When a job has more ranks than cores, a rank waiting for a peer that has no core of
 * its own must give its core away: sleeping on a futex does that but costs a wake-up through the kernel per
 * wait (about 20 us on a virtual machine), while yielding keeps the cores busy and lets the peer run at once.
 *
 * bindToCore(index): binds the calling thread to the index-th CPU (modulo their number) the process may run on,
 * as Open MPI binds each process of a job no larger than the machine to a core of its own. Unbound, two rank
 * threads that wake each other drift onto one core (the scheduler places a woken thread near its waker) and a
 * message round trip then costs two context switches, 20-40 us instead of about 1 us. Linux only; returns the
 * CPU's number, or -1 where it could not bind.
 *
 * address(view) and copyFrom(address, view): a large message copied once, from the sender's memory straight
 * into the receiver's, as MPI libraries do between processes with process_vm_readv. Ranks are threads of one
 * process, so the sender's bytes are in the receiver's address space; JavaScript just cannot name them. The
 * sender publishes the address of its buffer while it stays inside its send, and the receiver copies from
 * there (src/local/handoff.ts has the protocol that keeps the address valid while it is read).
 */
#ifdef __linux__
#define _GNU_SOURCE
#endif
#include <node_api.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static napi_value yield(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  sched_yield();
  return NULL;
}

/* The first n arguments into argv; false if there are fewer. */
static bool arguments(napi_env env, napi_callback_info info, size_t n, napi_value* argv) {
  size_t argc = n;
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= n;
}

static napi_value bind_to_core(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arguments(env, info, 1, argv)) return NULL;
  int32_t index = 0;
  if (napi_get_value_int32(env, argv[0], &index) != napi_ok || index < 0) {
    napi_throw_range_error(env, NULL, "bindToCore: the index must be a non-negative integer");
    return NULL;
  }
  int bound = -1;
#ifdef __linux__
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) > 0) {
    int want = index % CPU_COUNT(&allowed), seen = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
      if (!CPU_ISSET(cpu, &allowed) || seen++ != want) continue;
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      if (sched_setaffinity(0, sizeof one, &one) == 0) bound = cpu;
      break;
    }
  }
#endif
  napi_value result;
  napi_create_int32(env, bound, &result);
  return result;
}

/* The bytes of a typed array or DataView argument, or NULL (a JavaScript TypeError is then pending). */
static uint8_t* view_bytes(napi_env env, napi_value value, size_t* length) {
  bool is_typed = false, is_view = false;
  void* data = NULL;
  if (napi_is_typedarray(env, value, &is_typed) == napi_ok && is_typed) {
    napi_typedarray_type type;
    size_t count = 0, offset = 0;
    napi_value buffer;
    if (napi_get_typedarray_info(env, value, &type, &count, &data, &buffer, &offset) != napi_ok) return NULL;
    size_t unit = 1;
    switch (type) {
      case napi_int16_array: case napi_uint16_array: unit = 2; break;
      case napi_int32_array: case napi_uint32_array: case napi_float32_array: unit = 4; break;
      case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: unit = 8; break;
      default: unit = 1;
    }
    *length = count * unit;
    return (uint8_t*)data;
  }
  if (napi_is_dataview(env, value, &is_view) == napi_ok && is_view) {
    napi_value buffer;
    size_t offset = 0;
    if (napi_get_dataview_info(env, value, length, &data, &buffer, &offset) != napi_ok) return NULL;
    return (uint8_t*)data;
  }
  napi_throw_type_error(env, NULL, "expected a typed array or DataView");
  return NULL;
}

static napi_value address(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arguments(env, info, 1, argv)) return NULL;
  size_t length = 0;
  uint8_t* bytes = view_bytes(env, argv[0], &length);
  if (!bytes) return NULL;
  napi_value result;
  /* User-space addresses have at most 48 significant bits on x86-64 and arm64: exact as a double. */
  napi_create_double(env, (double)(uintptr_t)bytes, &result);
  return result;
}

/* copyFrom(address, target): the target's whole length from `address`. */
static napi_value copy_from(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!arguments(env, info, 2, argv)) return NULL;
  double at = 0;
  if (napi_get_value_double(env, argv[0], &at) != napi_ok || at <= 0) {
    napi_throw_range_error(env, NULL, "copyFrom: the address must be positive");
    return NULL;
  }
  size_t length = 0;
  uint8_t* target = view_bytes(env, argv[1], &length);
  if (!target) return NULL;
  memcpy(target, (const void*)(uintptr_t)at, length);
  return NULL;
}

NAPI_MODULE_INIT() {
  const struct { const char* name; napi_callback fn; } functions[] = {
    { "yield", yield }, { "bindToCore", bind_to_core }, { "address", address }, { "copyFrom", copy_from },
  };
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, functions[i].name, fn) != napi_ok) return NULL;
  }
  return exports;
}
