package wire

import "hash/crc32"

// castagnoli is CRC-32C, which amd64 and arm64 compute in hardware.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// mix folds v into the running hash h (a multiply-xorshift round): every
// bit of v changes h. The scalars are mixed rather than fed to the CRC as
// bytes, because a byte slice handed to package crc32 escapes, and the
// codec allocates nothing.
func mix(h, v uint64) uint64 {
	h ^= v
	h *= 0x9e37_79b9_7f4a_7c15
	return h ^ h>>29
}

// taskSum is a task's checksum: the CRC-32C of its args, seeded with its
// scalars and the args' length mixed in (the stride last).
func taskSum(t *TaskMsg) uint32 {
	h := mix(mix(mix(mix(mix(mix(0, t.ID), t.Kernel), uint64(t.Attempt)), uint64(t.Deadline)), uint64(t.Items)), uint64(len(t.Args)))
	h = mix(h, uint64(t.Stride))
	return crc32.Update(uint32(h^h>>32), castagnoli, t.Args)
}

// resultSum is a result's checksum: the CRC-32C of its error, values and
// waits, seeded with its scalars and their lengths mixed in schema order.
func resultSum(r *ResultMsg) uint32 {
	h := mix(mix(mix(mix(0, r.ID), uint64(r.Status)), uint64(r.Items)), uint64(r.Start))
	h = mix(mix(mix(mix(h, uint64(r.End)), uint64(len(r.Error))), uint64(len(r.Values))), uint64(len(r.Waits)))
	h = mix(h, uint64(r.Stride))
	sum := crc32.Update(uint32(h^h>>32), castagnoli, r.Error)
	sum = crc32.Update(sum, castagnoli, r.Values)
	return crc32.Update(sum, castagnoli, r.Waits)
}

// jobSum is a job's checksum, over what follows its task (which carries
// its own): the CRC-32C of its records and input, seeded with its timeout
// and their lengths.
func jobSum(j *JobMsg) uint32 {
	h := mix(mix(mix(mix(mix(0, uint64(j.Timeout)), uint64(len(j.Regions))), uint64(len(j.Reads))), uint64(len(j.Input))), uint64(len(j.Writes)))
	sum := crc32.Update(uint32(h^h>>32), castagnoli, j.Regions)
	sum = crc32.Update(sum, castagnoli, j.Reads)
	sum = crc32.Update(sum, castagnoli, j.Input)
	return crc32.Update(sum, castagnoli, j.Writes)
}

// doneSum is a done's checksum, over what follows its result: the CRC-32C
// of its output, seeded with the time held and the output's length.
func doneSum(d *DoneMsg) uint32 {
	h := mix(mix(0, uint64(d.Held)), uint64(len(d.Output)))
	return crc32.Update(uint32(h^h>>32), castagnoli, d.Output)
}
