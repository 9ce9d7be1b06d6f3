/*
 * Per-call time of two builds of libmx_sso.so in one process (bench/dist/compare): each is
 * loaded with dlopen from its own path, each gets its own mx_client, and the two take turns
 * (A B A B ..., the order swapped every round) doing PER_ROUND kept-alive Update user calls.
 * A benchmark, not a test: it prints the median per-call time of each and their ratio.
 *
 *   per_call LIB_A LIB_B ROUNDS PER_ROUND      (MX_SSO_BASE_URL, MX_SSO_API_KEY,
 *                                               MX_SSO_CLIENT_GUID from scripts/with-emulator)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mx_sso.h"

struct build {
  const char *path;
  mx_client *(*client_new)(const char *, char **);
  mx_status (*update_user)(const mx_client *, const char *, const char *, const char *,
                           const char *, char **);
  void (*string_free)(char *);
  void (*client_free)(mx_client *);
  mx_client *client;
  double *per_call_ns; /* one value per round */
};

static void die(const char *what, const char *detail) {
  fprintf(stderr, "per_call: %s: %s\n", what, detail ? detail : "");
  exit(1);
}

static void *symbol(void *handle, const char *name) {
  void *p = dlsym(handle, name);
  if (p == NULL) die("missing symbol", name);
  return p;
}

static void load(struct build *b, const char *path, int rounds) {
  char options[1024], *err = NULL;
  /* RTLD_LOCAL: the two copies, which share a SONAME, never resolve into each other. */
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) die("dlopen", dlerror());
  b->path = path;
  {
    /* Both builds share a SONAME: make sure this handle is the file asked for, not the other. */
    Dl_info info;
    void *fn = dlsym(handle, "mx_client_new");
    if (fn == NULL || dladdr(fn, &info) == 0 || info.dli_fname == NULL) die("dladdr", path);
    if (strcmp(info.dli_fname, path) != 0) die("dlopen gave another copy", info.dli_fname);
  }
  *(void **)&b->client_new = symbol(handle, "mx_client_new");
  *(void **)&b->update_user = symbol(handle, "mx_client_update_user");
  *(void **)&b->string_free = symbol(handle, "mx_string_free");
  *(void **)&b->client_free = symbol(handle, "mx_client_free");
  snprintf(options, sizeof options, "{\"base_url\": \"%s\"}", getenv("MX_SSO_BASE_URL"));
  b->client = b->client_new(options, &err);
  if (b->client == NULL) die("mx_client_new", err);
  b->per_call_ns = calloc((size_t)rounds, sizeof(double));
  if (b->per_call_ns == NULL) die("calloc", NULL);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double run(struct build *b, int calls) {
  const char *key = getenv("MX_SSO_API_KEY"), *client = getenv("MX_SSO_CLIENT_GUID");
  int64_t start = now_ns();
  for (int i = 0; i < calls; i++) {
    char *out = NULL;
    if (b->update_user(b->client, key, client, "bank-user-1001", "{\"status\": \"DISABLED\"}",
                       &out) != MX_OK)
      die("call failed", out);
    b->string_free(out);
  }
  return (double)(now_ns() - start) / calls;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *values, int n) {
  qsort(values, (size_t)n, sizeof(double), by_value);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int main(int argc, char **argv) {
  struct build builds[2];
  int rounds, per_round;
  if (argc != 5) die("usage", "per_call LIB_A LIB_B ROUNDS PER_ROUND");
  rounds = atoi(argv[3]);
  per_round = atoi(argv[4]);
  if (rounds < 1 || per_round < 1) die("bad ROUNDS or PER_ROUND", NULL);
  load(&builds[0], argv[1], rounds);
  load(&builds[1], argv[2], rounds);
  run(&builds[0], per_round); /* warm-up: the first connection of each client */
  run(&builds[1], per_round);
  for (int r = 0; r < rounds; r++) {
    int first = r % 2;
    builds[first].per_call_ns[r] = run(&builds[first], per_round);
    builds[1 - first].per_call_ns[r] = run(&builds[1 - first], per_round);
  }
  double a = median(builds[0].per_call_ns, rounds), b = median(builds[1].per_call_ns, rounds);
  printf("A %s: median %.1f us per call\n", builds[0].path, a / 1000);
  printf("B %s: median %.1f us per call\n", builds[1].path, b / 1000);
  printf("B/A = %.3f (%d rounds of %d calls each, interleaved)\n", b / a, rounds, per_round);
  for (int i = 0; i < 2; i++) builds[i].client_free(builds[i].client);
  return 0;
}
