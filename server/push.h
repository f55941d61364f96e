/* push.h - rpcdstmd feeding standalone gateways (dstmgwd) with its
 * bindings over the gateway program ([gateway] remote = ADDR [port N]).
 *
 * The lease table's bind/unbind hooks (srv->gw, the seam colocate.c
 * uses) only record the change in a mirror of the bindings, number it
 * (generation) and queue it for each gateway: they never wait on the
 * network, so ALLOC is answered right after its journal commit, while
 * the BIND is on its way (a window of about one round trip in which the
 * client may know its lease before the gateway does).  One thread per
 * gateway owns that gateway's connection: it sends the queue in order,
 * and SYNCs the whole mirror when it (re)connects or when the gateway's
 * generation shows a gap.  While a gateway is down it is probed every
 * PUSH_RETRY_MS, so a restarted gateway has its table back within a
 * second; an idle connection is watched for the gateway closing it.
 * Connections come from the server's first specific listen address (the
 * one a gateway's [servers] allow names), or the kernel's choice when it
 * listens on :: only. */
#ifndef DSTM_PUSH_H
#define DSTM_PUSH_H

struct server;

/* With [gateway] remote set: hook srv->gw, seed the mirror from the lease
 * table (BOUND and STATIC leases: the journal's state) and start the
 * threads, each of which SYNCs first.  Without remote, nothing: 0.
 * Call after daemon_detach() (threads do not survive fork) and after
 * the signals are blocked (the threads inherit the mask).  0 or -errno. */
int  push_open(struct server *s);
/* Stop the threads (each finishes at most the call in flight), unhook. */
void push_close(struct server *s);

#endif
