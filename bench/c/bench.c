/*
 * mx-sso side-by-side benchmarks in C: mx-sso's C API against libcurl and a raw-socket floor,
 * all doing MX's Update user (PUT /user/{guid}?k=..&c=.. with {"status":"DISABLED"}) against
 * the emulator. A benchmark, not a test: it prints numbers and asserts only that calls succeed.
 *
 * Environment (scripts/with-emulator exports it): MX_SSO_BASE_URL, MX_SSO_API_KEY,
 * MX_SSO_CLIENT_GUID, MX_SSO_EMULATOR_URL, MX_SSO_CA_FILE (https only), BENCH_USER (the user).
 *
 *   bench latency  OUT ROUNDS PER_ROUND CONTENDER...   interleaved rounds, raw samples to OUT
 *   bench reuse    CALLS CONTENDER...                  connections and TLS handshakes per contender
 *   bench throughput SECONDS THREADS IMPL              calls/s, THREADS sharing one client
 *   bench rss      N1 N2                                peak RSS after N1 and N2 calls (mx_client)
 *   bench first    IMPL                                 one call in a fresh process (timed outside)
 *   bench loop     CALLS CONTENDER                      CALLS calls after one warm-up (profiling)
 *
 * Contenders: mx_client (one client, reused), mx_oneshot (mx_update_user), curl (one reused easy
 * handle), raw (one kept-alive socket, pre-built request), and, for new-connection costs,
 * mx_client_new (a new mx_client per call), curl_new (a new easy handle per call) and
 * curl_forbid_reuse (one handle with CURLOPT_FORBID_REUSE: new TCP connection, TLS session
 * resumed from the handle's cache); mx_client_new_free times mx_client_new + mx_client_free
 * alone, without a call. raw_ureq replays ureq's syscalls per call on a raw socket, raw_lean
 * those of a lean transport (see call_raw_ureq).
 *
 * The other operations (0.2): mx_read and curl_get (GET /user/{guid}), mx_create and curl_post
 * (POST /user, a new external guid each call), mx_ensure (ensure of an existing user: one GET),
 * and mx_handler (mx_client with a C event handler that does nothing, for the cost of events).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mx_sso.h"

static const char *BODY = "{\"status\":\"DISABLED\"}";

static const char *base_url, *api_key, *client_guid, *user_guid, *ca_file, *emulator_url;
static char put_url[2048];

static void die(const char *what, const char *detail) {
  fprintf(stderr, "bench: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

static const char *need_env(const char *name) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0') die("missing environment variable", name);
  return v;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void read_env(void) {
  base_url = need_env("MX_SSO_BASE_URL");
  api_key = need_env("MX_SSO_API_KEY");
  client_guid = need_env("MX_SSO_CLIENT_GUID");
  user_guid = need_env("BENCH_USER");
  emulator_url = getenv("MX_SSO_EMULATOR_URL");
  if (emulator_url == NULL) emulator_url = base_url;
  ca_file = strncmp(base_url, "https:", 6) == 0 ? need_env("MX_SSO_CA_FILE") : NULL;
  /* The key, client and user of the benchmark are URL-safe; a libcurl user would build the
   * same URL (mx-sso percent-encodes them, which leaves them unchanged). */
  snprintf(put_url, sizeof put_url, "%s/user/%s?k=%s&c=%s", base_url, user_guid, api_key,
           client_guid);
}

/* ---------------------------------------------------------------- mx-sso */

static mx_client *mx_make_client(void) {
  char options[1024], *err = NULL;
  if (ca_file)
    snprintf(options, sizeof options, "{\"base_url\": \"%s\", \"ca_file\": \"%s\"}", base_url,
             ca_file);
  else
    snprintf(options, sizeof options, "{\"base_url\": \"%s\"}", base_url);
  mx_client *c = mx_client_new(options, &err);
  if (c == NULL) die("mx_client_new", err);
  mx_string_free(err);
  return c;
}

static int mx_check(mx_status s, char *out) {
  if (s != MX_OK) {
    fprintf(stderr, "bench: mx-sso call failed: %s\n", out ? out : "?");
    mx_string_free(out);
    return -1;
  }
  mx_string_free(out);
  return 0;
}

static int call_mx_client(void *ctx) {
  char *out = NULL;
  mx_status s = mx_client_update_user((const mx_client *)ctx, api_key, client_guid, user_guid,
                                      BODY, &out);
  return mx_check(s, out);
}

static int call_mx_oneshot(void *ctx) {
  (void)ctx;
  char *out = NULL;
  mx_status s = mx_update_user(api_key, client_guid, user_guid, BODY, &out);
  return mx_check(s, out);
}

/* Not a call: what creating and freeing a client costs alone (with https, the OS roots load). */
static int call_mx_client_new_free(void *ctx) {
  (void)ctx;
  mx_client_free(mx_make_client());
  return 0;
}

static int call_mx_client_new(void *ctx) {
  (void)ctx;
  mx_client *c = mx_make_client();
  int r = call_mx_client(c);
  mx_client_free(c);
  return r;
}

/* The 0.2 operations on one client (credentials passed per call, as for mx_client). */
static long create_seq;

static int call_mx_read(void *ctx) {
  char *out = NULL;
  return mx_check(mx_client_read_user((const mx_client *)ctx, api_key, client_guid, user_guid, &out),
                  out);
}

static int call_mx_create(void *ctx) {
  char body[128], *out = NULL;
  snprintf(body, sizeof body, "{\"external_user_guid\":\"bench-mx-%ld-%ld\"}", (long)getpid(),
           ++create_seq);
  return mx_check(mx_client_create_user((const mx_client *)ctx, api_key, client_guid, body, &out),
                  out);
}

/* The user ensured again and again: it exists after the first call, so each is one read. */
static const char *ENSURE_BODY = "{\"external_user_guid\":\"bench-ensure-user\"}";

static int call_mx_ensure(void *ctx) {
  char *out = NULL;
  return mx_check(
      mx_client_ensure_user((const mx_client *)ctx, api_key, client_guid, ENSURE_BODY, &out), out);
}

static void ignore_event(void *user_data, const char *event_json) {
  (void)user_data;
  (void)event_json;
}

/* ---------------------------------------------------------------- libcurl */

struct buf {
  char *data;
  size_t len, cap;
};

static size_t on_data(char *p, size_t size, size_t n, void *userdata) {
  struct buf *b = userdata;
  size_t len = size * n;
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + len + 1) cap *= 2;
    char *d = realloc(b->data, cap);
    if (d == NULL) return 0;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, len);
  b->len += len;
  b->data[b->len] = '\0';
  return len;
}

struct curl_ctx {
  CURL *h;
  struct curl_slist *headers;
  struct buf body;
};

/* What a user would write: one easy handle, options set once, the URL built per call. */
static void curl_setup(struct curl_ctx *c) {
  memset(c, 0, sizeof *c);
  c->h = curl_easy_init();
  if (c->h == NULL) die("curl_easy_init", NULL);
  c->headers = curl_slist_append(NULL, "Content-Type: application/json");
  c->headers = curl_slist_append(c->headers, "Accept: application/json");
  curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, BODY);
  curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)strlen(BODY));
  curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->headers);
  curl_easy_setopt(c->h, CURLOPT_USERAGENT, "bench-curl/1");
  curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &c->body);
  curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
  if (ca_file) curl_easy_setopt(c->h, CURLOPT_CAINFO, ca_file);
}

static void curl_teardown(struct curl_ctx *c) {
  curl_easy_cleanup(c->h);
  curl_slist_free_all(c->headers);
  free(c->body.data);
}


/* One request on a kept handle, as a libcurl user writes it; `want` is the expected status. */
static int curl_request(struct curl_ctx *c, const char *url, long want) {
  long code = 0;
  curl_easy_setopt(c->h, CURLOPT_URL, url);
  c->body.len = 0;
  CURLcode rc = curl_easy_perform(c->h);
  if (rc != CURLE_OK) {
    fprintf(stderr, "bench: curl: %s\n", curl_easy_strerror(rc));
    return -1;
  }
  curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
  if (code != want || c->body.len == 0) {
    fprintf(stderr, "bench: curl: HTTP %ld\n", code);
    return -1;
  }
  return 0;
}

static int curl_perform(struct curl_ctx *c) {
  char url[2048];
  snprintf(url, sizeof url, "%s/user/%s?k=%s&c=%s", base_url, user_guid, api_key, client_guid);
  return curl_request(c, url, 200);
}

static int call_curl(void *ctx) { return curl_perform(ctx); }

static int call_curl_get(void *ctx) {
  char url[2048];
  snprintf(url, sizeof url, "%s/user/%s?k=%s&c=%s", base_url, user_guid, api_key, client_guid);
  return curl_request(ctx, url, 200);
}

static int call_curl_post(void *ctx) {
  struct curl_ctx *c = ctx;
  char url[2048], body[128];
  snprintf(url, sizeof url, "%s/user?k=%s&c=%s", base_url, api_key, client_guid);
  snprintf(body, sizeof body, "{\"external_user_guid\":\"bench-curl-%ld-%ld\"}", (long)getpid(),
           ++create_seq);
  curl_easy_setopt(c->h, CURLOPT_COPYPOSTFIELDS, body);
  return curl_request(c, url, 200);
}

static int call_curl_new(void *ctx) {
  (void)ctx;
  struct curl_ctx c;
  curl_setup(&c);
  int r = curl_perform(&c);
  curl_teardown(&c);
  return r;
}

/* ---------------------------------------------------------------- raw socket floor */

struct raw_ctx {
  int fd;
  char req[4096];
  size_t req_len, head_len;
  char in[65536];
};

static void raw_setup(struct raw_ctx *r) {
  char host[256];
  int port = 0;
  if (sscanf(base_url, "http://%255[^:]:%d", host, &port) != 2) die("raw: base URL", base_url);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) die("raw: host", host);
  r->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (r->fd < 0 || connect(r->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
    die("raw: connect", strerror(errno));
  int one = 1;
  setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  /* The bytes mx-sso (ureq) sends, head and body in one write. */
  r->req_len = (size_t)snprintf(
      r->req, sizeof r->req,
      "PUT /user/%s?k=%s&c=%s HTTP/1.1\r\ncontent-length: %zu\r\nuser-agent: mx-sso/%s\r\n"
      "accept: application/json\r\nhost: %s:%d\r\ncontent-type: application/json\r\n\r\n%s",
      user_guid, api_key, client_guid, strlen(BODY), mx_version(), host, port, BODY);
  r->head_len = r->req_len - strlen(BODY);
}

static int raw_read_answer(struct raw_ctx *r) {
  size_t have = 0, need = 0;
  for (;;) {
    ssize_t n = read(r->fd, r->in + have, sizeof r->in - 1 - have);
    if (n <= 0) return -1;
    have += (size_t)n;
    r->in[have] = '\0';
    if (need == 0) {
      char *end = strstr(r->in, "\r\n\r\n");
      if (end == NULL) continue;
      if (strncmp(r->in, "HTTP/1.1 200", 12) != 0) return -1;
      char *cl = strcasestr(r->in, "\r\ncontent-length:");
      if (cl == NULL || cl > end) return -1;
      need = (size_t)(end + 4 - r->in) + strtoul(cl + 17, NULL, 10);
    }
    if (have >= need) return have == need ? 0 : -1;
  }
}

static int call_raw(void *ctx) {
  struct raw_ctx *r = ctx;
  if (write(r->fd, r->req, r->req_len) != (ssize_t)r->req_len) return -1;
  return raw_read_answer(r);
}

/* The syscalls of ureq 3.5.2's TCP transport, replayed on a raw socket: a liveness probe that
 * toggles blocking mode around a 1-byte read (pool.rs:362 on checkout, tcp.rs:359), a socket
 * timeout set before each write and read (tcp.rs:262, the value changes with the deadline),
 * head and body in two writes (run.rs:436, run.rs:537), and the probe again when the connection
 * goes back to the pool (pool.rs:192). It prices those syscalls without any of ureq's code. */
static int raw_probe_ureq(int fd) {
  int on = 1, off = 0;
  char b;
  ioctl(fd, FIONBIO, &on);
  ssize_t n = recv(fd, &b, 1, 0);
  int ok = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  ioctl(fd, FIONBIO, &off);
  return ok ? 0 : -1;
}

static void raw_set_timeout(int fd, int opt, int64_t deadline) {
  int64_t left = deadline - now_ns();
  struct timeval tv = {(time_t)(left / 1000000000), (suseconds_t)(left % 1000000000 / 1000)};
  setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv);
}

static int call_raw_ureq(void *ctx) {
  struct raw_ctx *r = ctx;
  int64_t deadline = now_ns() + 30 * (int64_t)1000000000;
  if (raw_probe_ureq(r->fd) != 0) return -1;
  raw_set_timeout(r->fd, SO_SNDTIMEO, deadline);
  if (send(r->fd, r->req, r->head_len, MSG_NOSIGNAL) != (ssize_t)r->head_len) return -1;
  raw_set_timeout(r->fd, SO_SNDTIMEO, deadline);
  size_t body_len = r->req_len - r->head_len;
  if (send(r->fd, r->req + r->head_len, body_len, MSG_NOSIGNAL) != (ssize_t)body_len) return -1;
  raw_set_timeout(r->fd, SO_RCVTIMEO, deadline);
  if (raw_read_answer(r) != 0) return -1;
  return raw_probe_ureq(r->fd);
}

/* What a lean transport would do: one peek that needs no mode change (MSG_PEEK|MSG_DONTWAIT),
 * the request in one write, the answer read; socket timeouts left alone. */
static int call_raw_lean(void *ctx) {
  struct raw_ctx *r = ctx;
  char b;
  ssize_t n = recv(r->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
  if (!(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) return -1;
  if (send(r->fd, r->req, r->req_len, MSG_NOSIGNAL) != (ssize_t)r->req_len) return -1;
  return raw_read_answer(r);
}

/* ---------------------------------------------------------------- contenders */

struct contender {
  const char *name;
  int (*call)(void *);
  void *ctx;
};

static struct curl_ctx shared_curl, forbid_curl, get_curl, post_curl;
static struct raw_ctx shared_raw, ureq_raw, lean_raw;

static struct contender make_contender(const char *name) {
  struct contender c = {name, NULL, NULL};
  if (strcmp(name, "mx_client") == 0) {
    c.call = call_mx_client;
    c.ctx = mx_make_client();
  } else if (strcmp(name, "mx_oneshot") == 0) {
    c.call = call_mx_oneshot;
  } else if (strcmp(name, "mx_client_new") == 0) {
    c.call = call_mx_client_new;
  } else if (strcmp(name, "mx_client_new_free") == 0) {
    c.call = call_mx_client_new_free;
  } else if (strcmp(name, "curl") == 0) {
    curl_setup(&shared_curl);
    c.call = call_curl;
    c.ctx = &shared_curl;
  } else if (strcmp(name, "curl_forbid_reuse") == 0) {
    curl_setup(&forbid_curl);
    curl_easy_setopt(forbid_curl.h, CURLOPT_FORBID_REUSE, 1L);
    c.call = call_curl;
    c.ctx = &forbid_curl;
  } else if (strcmp(name, "curl_new") == 0) {
    c.call = call_curl_new;
  } else if (strcmp(name, "mx_read") == 0) {
    c.call = call_mx_read;
    c.ctx = mx_make_client();
  } else if (strcmp(name, "mx_create") == 0) {
    c.call = call_mx_create;
    c.ctx = mx_make_client();
  } else if (strcmp(name, "mx_ensure") == 0) {
    c.call = call_mx_ensure;
    c.ctx = mx_make_client();
    if (call_mx_ensure(c.ctx) != 0) die("mx_ensure: the first ensure", NULL);
  } else if (strcmp(name, "mx_handler") == 0) {
    c.call = call_mx_client;
    c.ctx = mx_make_client();
    mx_client_set_event_handler(c.ctx, ignore_event, NULL);
  } else if (strcmp(name, "curl_get") == 0) {
    curl_setup(&get_curl);
    curl_easy_setopt(get_curl.h, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(get_curl.h, CURLOPT_HTTPGET, 1L);
    c.call = call_curl_get;
    c.ctx = &get_curl;
  } else if (strcmp(name, "curl_post") == 0) {
    curl_setup(&post_curl);
    curl_easy_setopt(post_curl.h, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(post_curl.h, CURLOPT_POST, 1L);
    curl_easy_setopt(post_curl.h, CURLOPT_POSTFIELDSIZE, -1L); /* each body's own length */
    c.call = call_curl_post;
    c.ctx = &post_curl;
  } else if (strcmp(name, "raw") == 0) {
    raw_setup(&shared_raw);
    c.call = call_raw;
    c.ctx = &shared_raw;
  } else if (strcmp(name, "raw_ureq") == 0) {
    raw_setup(&ureq_raw);
    c.call = call_raw_ureq;
    c.ctx = &ureq_raw;
  } else if (strcmp(name, "raw_lean") == 0) {
    raw_setup(&lean_raw);
    c.call = call_raw_lean;
    c.ctx = &lean_raw;
  } else {
    die("unknown contender", name);
  }
  return c;
}

static void run_call(struct contender *c) {
  if (c->call(c->ctx) != 0) die("a call failed", c->name);
}

/* ---------------------------------------------------------------- emulator control */

static int control(const char *method, const char *path, char *out, size_t out_len) {
  struct curl_ctx c;
  char url[1024];
  curl_setup(&c);
  snprintf(url, sizeof url, "%s%s", emulator_url, path);
  curl_easy_setopt(c.h, CURLOPT_URL, url);
  curl_easy_setopt(c.h, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c.h, CURLOPT_POSTFIELDSIZE, 0L);
  int r = curl_easy_perform(c.h) == CURLE_OK ? 0 : -1;
  snprintf(out, out_len, "%s", c.body.data ? c.body.data : "");
  curl_teardown(&c);
  return r;
}

static long stat_field(const char *json, const char *field) {
  char key[64];
  snprintf(key, sizeof key, "\"%s\":", field);
  const char *p = strstr(json, key);
  return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* ---------------------------------------------------------------- modes */

/* Rounds of PER_ROUND calls per contender, the contenders' order rotating each round; one
 * unrecorded warm-up round first. Every call is timed; samples go to OUT as
 * "contender<TAB>round<TAB>nanoseconds". */
static int mode_latency(int argc, char **argv) {
  if (argc < 4) die("usage: latency OUT ROUNDS PER_ROUND CONTENDER...", NULL);
  FILE *out = fopen(argv[0], "w");
  if (out == NULL) die("cannot write", argv[0]);
  int rounds = atoi(argv[1]), per_round = atoi(argv[2]), n = argc - 3;
  struct contender cs[16];
  for (int i = 0; i < n && i < 16; i++) cs[i] = make_contender(argv[3 + i]);
  int64_t *ns = malloc(sizeof(int64_t) * (size_t)per_round);
  for (int round = -1; round < rounds; round++) {
    for (int k = 0; k < n; k++) {
      struct contender *c = &cs[(k + (round < 0 ? 0 : round)) % n];
      for (int i = 0; i < per_round; i++) {
        int64_t t0 = now_ns();
        run_call(c);
        ns[i] = now_ns() - t0;
      }
      if (round >= 0)
        for (int i = 0; i < per_round; i++)
          fprintf(out, "%s\t%d\t%lld\n", c->name, round, (long long)ns[i]);
    }
  }
  fclose(out);
  free(ns);
  return 0;
}

/* For each contender in turn: reset the emulator's counters, CALLS calls, then print what the
 * server saw: requests, connections, TLS handshakes (and resumptions). */
static int mode_reuse(int argc, char **argv) {
  if (argc < 2) die("usage: reuse CALLS CONTENDER...", NULL);
  int calls = atoi(argv[0]);
  for (int i = 1; i < argc; i++) {
    char stats[2048];
    struct contender c = make_contender(argv[i]);
    run_call(&c); /* the first connection is part of the count */
    if (control("POST", "/_emulator/reset_counters", stats, sizeof stats) != 0)
      die("emulator control", NULL);
    /* A reused contender keeps its connection: its first call above opened it. */
    for (int k = 0; k < calls; k++) run_call(&c);
    control("GET", "/_emulator/stats", stats, sizeof stats);
    printf("{\"contender\":\"%s\",\"calls\":%d,\"requests\":%ld,\"connections\":%ld,"
           "\"tls_handshakes\":%ld,\"tls_resumptions\":%ld}\n",
           c.name, calls, stat_field(stats, "requests"), stat_field(stats, "connections"),
           stat_field(stats, "tls_handshakes"), stat_field(stats, "tls_resumptions"));
  }
  return 0;
}

struct worker {
  pthread_t thread;
  const char *impl;
  mx_client *shared;
  volatile int *stop;
  long calls;
};

static void *work(void *arg) {
  struct worker *w = arg;
  struct curl_ctx cc;
  int is_curl = strcmp(w->impl, "curl") == 0;
  if (is_curl) curl_setup(&cc);
  while (!*w->stop) {
    int r = is_curl ? curl_perform(&cc) : call_mx_client(w->shared);
    if (r != 0) die("a call failed in a worker", w->impl);
    w->calls++;
  }
  if (is_curl) curl_teardown(&cc);
  return NULL;
}

/* THREADS threads calling for SECONDS: "mx" shares one mx_client between all threads; "curl"
 * gives each thread its own easy handle (an easy handle must not be shared between threads). */
static int mode_throughput(int argc, char **argv) {
  if (argc < 3) die("usage: throughput SECONDS THREADS mx|curl", NULL);
  double seconds = atof(argv[0]);
  int threads = atoi(argv[1]);
  const char *impl = argv[2];
  mx_client *shared = mx_make_client();
  volatile int stop = 0;
  struct worker ws[64];
  if (threads < 1 || threads > 64) die("threads: 1 to 64", NULL);
  /* Warm-up: one call per thread's worth of connections happens in the first milliseconds. */
  for (int i = 0; i < threads; i++) {
    ws[i] = (struct worker){.impl = impl, .shared = shared, .stop = &stop, .calls = 0};
    pthread_create(&ws[i].thread, NULL, work, &ws[i]);
  }
  int64_t t0 = now_ns();
  struct timespec ts = {(time_t)seconds, (long)((seconds - (long)seconds) * 1e9)};
  nanosleep(&ts, NULL);
  stop = 1;
  long total = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(ws[i].thread, NULL);
    total += ws[i].calls;
  }
  double elapsed = (double)(now_ns() - t0) / 1e9;
  printf("{\"impl\":\"%s\",\"threads\":%d,\"calls\":%ld,\"seconds\":%.3f,\"per_second\":%.0f}\n",
         impl, threads, total, elapsed, (double)total / elapsed);
  mx_client_free(shared);
  return 0;
}

static long status_kb(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  size_t len = strlen(field);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, field, len) == 0 && line[len] == ':') v = strtol(line + len + 1, NULL, 10);
  if (f) fclose(f);
  return v;
}

/* Peak and current RSS after N1 and after N2 calls on one mx_client (and the same for curl in a
 * separate run, as a reference). */
static int mode_rss(int argc, char **argv) {
  if (argc < 3) die("usage: rss N1 N2 mx_client|curl", NULL);
  long n1 = atol(argv[0]), n2 = atol(argv[1]);
  struct contender c = make_contender(argv[2]);
  for (long i = 0; i < n2; i++) {
    run_call(&c);
    if (i + 1 == n1 || i + 1 == n2)
      printf("{\"contender\":\"%s\",\"calls\":%ld,\"vm_hwm_kb\":%ld,\"vm_rss_kb\":%ld}\n", c.name,
             i + 1, status_kb("VmHWM"), status_kb("VmRSS"));
  }
  return 0;
}

/* One call in this fresh process, for the time to the first completed call (timed by the
 * driver from spawn to exit). "noop" measures the process start alone. */
static int mode_first(int argc, char **argv) {
  if (argc < 1) die("usage: first mx_oneshot|mx_client|curl|noop", NULL);
  if (strcmp(argv[0], "noop") == 0) return 0;
  if (strcmp(argv[0], "curl") == 0) curl_global_init(CURL_GLOBAL_DEFAULT);
  struct contender c = make_contender(argv[0]);
  run_call(&c);
  return 0;
}

/* One warm-up call, then CALLS calls of one contender: for strace and callgrind. */
static int mode_loop(int argc, char **argv) {
  if (argc < 2) die("usage: loop CALLS CONTENDER", NULL);
  long calls = atol(argv[0]);
  struct contender c = make_contender(argv[1]);
  run_call(&c);
  for (long i = 0; i < calls; i++) run_call(&c);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) die("usage: bench latency|reuse|throughput|rss|first|loop ...", NULL);
  const char *mode = argv[1];
  if (strcmp(mode, "first") != 0 || strcmp(argv[2], "noop") != 0) read_env();
  if (strcmp(mode, "first") != 0) curl_global_init(CURL_GLOBAL_DEFAULT);
  if (mx_version_number() != MX_SSO_VERSION_NUMBER) die("library/header mismatch", mx_version());
  argc -= 2;
  argv += 2;
  if (strcmp(mode, "latency") == 0) return mode_latency(argc, argv);
  if (strcmp(mode, "reuse") == 0) return mode_reuse(argc, argv);
  if (strcmp(mode, "throughput") == 0) return mode_throughput(argc, argv);
  if (strcmp(mode, "rss") == 0) return mode_rss(argc, argv);
  if (strcmp(mode, "first") == 0) return mode_first(argc, argv);
  if (strcmp(mode, "loop") == 0) return mode_loop(argc, argv);
  die("unknown mode", mode);
  return 2;
}
