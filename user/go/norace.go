// SPDX-License-Identifier: GPL-2.0

//go:build !race

package gosync

// Without the race detector, the race annotations (race.go) do nothing.

func raceInit(h *handle)            {}
func (h *handle) raceAcquire()      {}
func (h *handle) raceAcquireAll()   {}
func (h *handle) raceRelease()      {}
func (h *handle) raceReleaseMerge() {}
func (h *handle) raceReleaseRead()  {}
func (h *handle) raceReleaseRecv()  {}
func (h *handle) raceAcquireSend()  {}
