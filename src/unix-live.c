/*
 * unix-live: whether a unix socket file has a server behind it, by the
 * file's identity (its device and inode), never by connecting to it: a
 * connection would become a one-client server's client.
 *
 * The kernel says it through sock_diag (UNIX_DIAG with UDIAG_SHOW_VFS:
 * each socket's state and the inode of the file it is bound to), which
 * answers for any path, relative or absolute, bound from any directory.
 * Where sock_diag is missing (some sandboxes), /proc/net/unix names the
 * paths as they were bound: an absolute one is compared by identity, a
 * relative one (whose directory nobody can tell) by its last component,
 * taken for live when it matches: refusing a stale file is the safe
 * mistake, replacing a live one is not.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

/* The states of unix sockets in sock_diag (the TCP names). */
#define STATE_CLOSE	7
#define STATE_LISTEN	10

/* Whether a socket of type, in state, serves on its file: a stream or
 * seqpacket listener, or any bound datagram socket (whatever type the
 * new server would be: either takes the file). */
static int
serving(int type, int state)
{
	return type == SOCK_DGRAM || state == STATE_LISTEN;
}

/* One sock_diag message of len bytes: 1 when it is a live socket bound
 * to st's file.  (Offsets by hand: the netlink macros cast const away
 * and mix signs.) */
static int
diag_match(const unsigned char *msg, size_t len, const struct stat *st)
{
	struct unix_diag_msg m;
	struct rtattr a;
	struct unix_diag_vfs vfs;
	size_t off = NLMSG_LENGTH(sizeof(m));

	if (len < off)
		return 0;
	memcpy(&m, msg + NLMSG_HDRLEN, sizeof(m));
	if (!serving(m.udiag_type, m.udiag_state))
		return 0;
	while (off + sizeof(a) <= len) {
		memcpy(&a, msg + off, sizeof(a));
		if (a.rta_len < sizeof(a) || off + a.rta_len > len)
			return 0;
		if (a.rta_type == UNIX_DIAG_VFS &&
		    a.rta_len >= RTA_LENGTH(sizeof(vfs))) {
			memcpy(&vfs, msg + off + RTA_LENGTH(0), sizeof(vfs));
			/* The inode as the kernel gives it (32 bits), and
			 * its dev_t (the major in the top 12 bits). */
			return vfs.udiag_vfs_ino == (uint32_t)st->st_ino &&
			    (vfs.udiag_vfs_dev >> 20) == major(st->st_dev) &&
			    (vfs.udiag_vfs_dev & 0xfffff) == minor(st->st_dev);
		}
		off += RTA_ALIGN(a.rta_len);
	}
	return 0;
}

/* Ask sock_diag.  1 or 0, or -1 when it cannot tell. */
static int
diag_live(const struct stat *st)
{
	struct {
		struct nlmsghdr		nlh;
		struct unix_diag_req	req;
	} q;
	unsigned char buf[16384];
	struct nlmsghdr h;
	ssize_t got;
	size_t off;
	int fd, live = 0, done = 0;

	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) == -1)
		return -1;
	memset(&q, 0, sizeof(q));
	q.nlh.nlmsg_len = sizeof(q);
	q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.req.sdiag_family = AF_UNIX;
	q.req.udiag_states = ~0U;
	q.req.udiag_show = UDIAG_SHOW_VFS;
	if (send(fd, &q, sizeof(q), 0) != (ssize_t)sizeof(q)) {
		close(fd);
		return -1;
	}
	while (!done && (got = recv(fd, buf, sizeof(buf), 0)) > 0) {
		for (off = 0; off + sizeof(h) <= (size_t)got;
		    off += NLMSG_ALIGN(h.nlmsg_len)) {
			memcpy(&h, buf + off, sizeof(h));
			if (h.nlmsg_len < sizeof(h) ||
			    off + h.nlmsg_len > (size_t)got)
				break;
			if (h.nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h.nlmsg_type == NLMSG_ERROR) {
				close(fd);
				return -1;
			}
			live |= diag_match(buf + off, h.nlmsg_len, st);
		}
	}
	close(fd);
	return done ? live : -1;
}

/* The last component of a path. */
static const char *
base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* Ask /proc/net/unix (see the top).  1 or 0, or -1 when it cannot tell. */
static int
proc_live(const char *path, const struct stat *st)
{
	char line[4096], name[4096], *nl;
	unsigned long flags;
	unsigned ltype;
	struct stat other;
	int live = 0;
	FILE *fp;

	if ((fp = fopen("/proc/net/unix", "re")) == NULL)
		return -1;
	while (!live && fgets(line, sizeof(line), fp) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		/* "Num: RefCount Protocol Flags Type St Inode Path" */
		if (sscanf(line, "%*s %*s %*s %lx %x %*s %*s %4095s", &flags,
		    &ltype, name) != 3 || name[0] == '@' ||
		    !serving((int)ltype, (flags & 0x10000) ? STATE_LISTEN :
		    STATE_CLOSE))
			continue;
		if (name[0] == '/')
			live = stat(name, &other) == 0 &&
			    other.st_dev == st->st_dev &&
			    other.st_ino == st->st_ino;
		else
			live = strcmp(base(name), base(path)) == 0;
	}
	fclose(fp);
	return live;
}

int
sock_unix_live(const char *path, const struct stat *st)
{
	int r;

	if ((r = diag_live(st)) >= 0)
		return r;
	return proc_live(path, st);
}
