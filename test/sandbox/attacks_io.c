/* Attacks on files and the network, and probes (policy none) of what the sandbox lets a process see. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attack.h"

static int socket_inet(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("socket(AF_INET)", socket(AF_INET, SOCK_STREAM, 0));
}

static int socket_unix(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("socket(AF_UNIX)", socket(AF_UNIX, SOCK_STREAM, 0));
}

static int open_passwd(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("open /etc/passwd", open("/etc/passwd", O_RDONLY));
}

static int open_work(int argc, char** argv) {
  (void)argc, (void)argv;
  return ns_not_refused("open /work/new", open("/work/new", O_WRONLY | O_CREAT, 0644));
}

static int do_ioctl(int argc, char** argv) {
  (void)argc, (void)argv;
  int n = 0;
  return ns_not_refused("ioctl", ioctl(1, FIONREAD, &n));
}

/* Prints "iface NAME up|down" for each interface, then "connect ADDR: errno-name" for each argv address
 * (host:port, numeric); run without lockdown. */
static int net_probe(int argc, char** argv) {
  struct if_nameindex* ifs = if_nameindex();
  if (!ifs) {
    printf("if_nameindex: %s\n", strerrorname_np(errno));
  } else {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    for (struct if_nameindex* i = ifs; i->if_index; i++) {
      struct ifreq req;
      memset(&req, 0, sizeof req);
      snprintf(req.ifr_name, sizeof req.ifr_name, "%s", i->if_name);
      int up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &req) == 0 && (req.ifr_flags & IFF_UP);
      printf("iface %s %s\n", i->if_name, up ? "up" : "down");
    }
    if (s >= 0) close(s);
    if_freenameindex(ifs);
  }
  for (int i = 0; i < argc; i++) {
    char host[64];
    snprintf(host, sizeof host, "%s", argv[i]);
    char* colon = strchr(host, ':');
    if (!colon) continue;
    *colon = '\0';
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(colon + 1))};
    inet_pton(AF_INET, host, &addr.sin_addr);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int rc = s < 0 ? -1 : connect(s, (struct sockaddr*)&addr, sizeof addr);
    printf("connect %s: %s\n", argv[i], rc == 0 ? "connected" : strerrorname_np(errno));
    if (s >= 0) close(s);
  }
  return 0;
}

/* For each argv path: "create PATH: result" for creating a file there, or, for "stat:PATH",
 * "stat PATH: result"; "write-mem" tries to open /proc/self/mem for writing. Run without lockdown. */
static int fs_probe(int argc, char** argv) {
  for (int i = 0; i < argc; i++) {
    const char* a = argv[i];
    if (strncmp(a, "stat:", 5) == 0) {
      struct stat st;
      printf("stat %s: %s\n", a + 5, stat(a + 5, &st) == 0 ? "exists" : strerrorname_np(errno));
    } else if (strcmp(a, "write-mem") == 0) {
      int fd = open("/proc/self/mem", O_RDWR);
      printf("write-mem: %s\n", fd >= 0 ? "opened" : strerrorname_np(errno));
    } else {
      int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      printf("create %s: %s\n", a, fd >= 0 ? "created" : strerrorname_np(errno));
      if (fd >= 0) close(fd);
    }
  }
  return 0;
}

const struct attack ns_attacks[] = {
    {"socket_inet", socket_inet, NULL},
    {"socket_unix", socket_unix, NULL},
    {"open_passwd", open_passwd, NULL},
    {"open_work", open_work, NULL},
    {"ioctl", do_ioctl, NULL},
    {"net_probe", net_probe, NULL},
    {"fs_probe", fs_probe, NULL},
    {NULL, NULL, NULL},
};
