#define _POSIX_C_SOURCE 200809L
#include "emulator_control.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Splits "http://host:port" into host and port; returns 0 on success. */
static int parse_base_url(const char *url, char *host, size_t host_size, char *port,
                          size_t port_size) {
  const char *rest;
  const char *colon;
  size_t host_len;
  if (url == NULL || strncmp(url, "http://", 7) != 0) return -1;
  rest = url + 7;
  colon = strchr(rest, ':');
  if (colon == NULL) return -1;
  host_len = (size_t)(colon - rest);
  if (host_len + 1 > host_size) return -1;
  memcpy(host, rest, host_len);
  host[host_len] = '\0';
  snprintf(port, port_size, "%s", colon + 1);
  port[strcspn(port, "/")] = '\0';
  return 0;
}

int emulator_control(const char *method, const char *path, const char *json_body,
                     char *response, size_t response_size) {
  char host[256], port[16], request[4096], reply[65536];
  struct addrinfo hints, *addrs = NULL;
  size_t used = 0;
  ssize_t n;
  int fd, status = -1;
  const char *body_start;

  if (parse_base_url(getenv("MX_SSO_EMULATOR_URL"), host, sizeof host, port, sizeof port) != 0)
    return -1;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &addrs) != 0) return -1;
  fd = socket(addrs->ai_family, addrs->ai_socktype, addrs->ai_protocol);
  if (fd < 0 || connect(fd, addrs->ai_addr, addrs->ai_addrlen) != 0) {
    if (fd >= 0) close(fd);
    freeaddrinfo(addrs);
    return -1;
  }
  freeaddrinfo(addrs);
  if (json_body == NULL) json_body = "";
  snprintf(request, sizeof request,
           "%s %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\n"
           "Content-Length: %lu\r\nConnection: close\r\n\r\n%s",
           method, path, host, port, (unsigned long)strlen(json_body), json_body);
  if (write(fd, request, strlen(request)) < 0) {
    close(fd);
    return -1;
  }
  while (used + 1 < sizeof reply && (n = read(fd, reply + used, sizeof reply - 1 - used)) > 0)
    used += (size_t)n;
  close(fd);
  reply[used] = '\0';
  if (sscanf(reply, "HTTP/1.%*d %d", &status) != 1) return -1;
  if (response != NULL && response_size > 0) {
    body_start = strstr(reply, "\r\n\r\n");
    snprintf(response, response_size, "%s", body_start ? body_start + 4 : "");
  }
  return status;
}

long emulator_requests(void) {
  char body[4096];
  const char *field;
  if (emulator_control("GET", "/_emulator/stats", NULL, body, sizeof body) != 200) return -1;
  field = strstr(body, "\"requests\"");
  if (field == NULL) return -1;
  field = strchr(field, ':');
  return field ? strtol(field + 1, NULL, 10) : -1;
}
