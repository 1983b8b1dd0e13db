// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The on-disk headers: their static size checks are compiled here, and the
 * field offsets the kernel relies on are checked at run time.
 */
#include <stddef.h>

#include "composefs.h"
#include "erofs_fs.h"
#include "test.h"

int main(void)
{
	CHECK(offsetof(struct erofs_super_block, root_nid) == 14,
	      "superblock root_nid at 14");
	CHECK(offsetof(struct erofs_super_block, build_time) == 24,
	      "superblock build_time at 24");
	CHECK(offsetof(struct erofs_super_block, meta_blkaddr) == 40,
	      "superblock meta_blkaddr at 40");
	CHECK(offsetof(struct erofs_super_block, feature_incompat) == 80,
	      "superblock feature_incompat at 80");
	CHECK(offsetof(struct erofs_super_block, packed_nid) == 96,
	      "superblock packed_nid at 96");
	CHECK(offsetof(struct erofs_inode_compact, i_ino) == 20,
	      "compact inode i_ino at 20");
	CHECK(offsetof(struct erofs_inode_extended, i_u) == 16,
	      "extended inode i_u at 16");
	CHECK(offsetof(struct erofs_inode_extended, i_mtime) == 32,
	      "extended inode i_mtime at 32");
	CHECK(offsetof(struct erofs_inode_extended, i_nlink) == 44,
	      "extended inode i_nlink at 44");
	CHECK(offsetof(struct erofs_dirent, file_type) == 10,
	      "dirent file_type at 10");
	CHECK(offsetof(struct composefs_header, composefs_version) == 12,
	      "composefs header version at 12");
	CHECK(erofs_xattr_ibody_size(0) == 0, "no xattr area for icount 0");
	CHECK(erofs_xattr_ibody_size(3) == 20, "icount 3 is 20 bytes");
	CHECK(erofs_xattr_entry_size(5, 2) == 12, "entry size rounds to 4");
	CHECK(erofs_i_format(EROFS_INODE_LAYOUT_EXTENDED,
			     EROFS_INODE_CHUNK_BASED) == 9,
	      "i_format of an extended chunk-based inode");
	return test_done();
}
