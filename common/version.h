/* version.h - the suite's version, one for every program: --version, the
 * server's implementation string (INFO) and the man pages' footers. */
#ifndef DSTM_VERSION_H
#define DSTM_VERSION_H

#define DSTM_VERSION	"0.2"

#endif
