// Package keyrange is the key layout Kaine's per-account bbolt stores
// share: an account's records are keyed by its id and an 8-byte
// big-endian sequence number, so they are one key range in id order, and
// ids count per account.
package keyrange

import (
	"bytes"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// Reverse calls fn for each key that is prefix followed by exactly 8
// bytes, from the highest down, while fn reports more.
func Reverse(c *bolt.Cursor, prefix []byte, fn func(k, v []byte) (more bool, err error)) error {
	upper := append(bytes.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	k, v := c.Seek(upper)
	if k == nil {
		k, v = c.Last()
	} else if !bytes.Equal(k, upper) {
		k, v = c.Prev()
	}
	return reverseFrom(c, prefix, k, v, fn)
}

// ReverseBefore is Reverse starting below sequence number before: the
// page after one that ended at before. Zero starts at the top.
func ReverseBefore(c *bolt.Cursor, prefix []byte, before uint64, fn func(k, v []byte) (more bool, err error)) error {
	if before == 0 {
		return Reverse(c, prefix, fn)
	}
	k, v := c.Seek(binary.BigEndian.AppendUint64(bytes.Clone(prefix), before))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	return reverseFrom(c, prefix, k, v, fn)
}

func reverseFrom(c *bolt.Cursor, prefix, k, v []byte, fn func(k, v []byte) (more bool, err error)) error {
	for ; k != nil && len(k) == len(prefix)+8 && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		more, err := fn(k, v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}
