/* crc32c.h - CRC-32C (Castagnoli), used for journal record checksums. */
#ifndef DSTM_CRC32C_H
#define DSTM_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
