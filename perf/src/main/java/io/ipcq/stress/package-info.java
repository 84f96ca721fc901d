/**
 * jcstress tests of the protocol's races, one scenario per class: the ring's ({@code LaneRing<Scenario>Test}, whose
 * actors call the real {@link io.ipcq.ring.RingProducer}, {@link io.ipcq.ring.RingConsumer} and
 * {@link io.ipcq.ring.RingRepair} over a small direct buffer), and the queue's shared words around it. Each lists
 * its acceptable outcomes with the interleaving that produces them and ends with a catch-all FORBIDDEN; an {@code @Arbiter} checks the final state of the slot (and, where messages
 * move, drains the lane to prove nothing was lost or delivered twice).
 * <ul>
 *   <li>leasing: {@code TwoConsumersOneMessage}, {@code TwoConsumersTwoMessages}, {@code CommitLease} (no torn
 *       or stale payload), {@code AbortLease} (tombstones are stepped over);</li>
 *   <li>fencing against the sweeper: {@code AckExpiry}, {@code AckDeadLetter}, {@code ExtendExpiry},
 *       {@code ReleaseExpiry}, {@code TwoSweepers}, {@code RedeliveryExpirySweep} (a fresh lease never expires on
 *       the deadline of the lease before it), {@code StaleSweep} (a sweeper acting on an old observation);</li>
 *   <li>redelivery: {@code ReleaseRedelivery} (a released message goes to exactly one scanning consumer);</li>
 *   <li>producers: {@code TwoProducersOneFreeSlot}, {@code TwoProducersTwoFreeSlots} (FULL only when full),
 *       {@code ClaimRepair} (a claim tombstoned by the reaper is never written by its late producer);</li>
 *   <li>batches: {@code BatchLeaseSingleLease} (a batch lease's run of state CASes and one cursor CAS against a
 *       single lease: each message leased exactly once, the cursor never passes one neither took),
 *       {@code BatchClaimSingleClaim} (a batch claim's one tail CAS against a single claim: each position claimed
 *       once, no message lost);</li>
 *   <li>redrive: {@code RedriveCommitRepair}, {@code RedriveCommitDeadLetterRepair} (a redrive's commit by CAS against
 *       the reaper's repair of its claim, from the lane's side and from the dead-letter ring's: the message ends in
 *       exactly one place);</li>
 *   <li>skipping held slots (capacity counts messages): {@code SkipAck} (a free racing the skip mark moves the slot
 *       past the skip), {@code SkipFirstLease} (a READY message skipped while it is leased at the cursor is still
 *       delivered once), {@code TwoSkippersTwoFreeSlots}/{@code TwoSkippersOneFreeSlot} (two producers skipping the
 *       same held slots: distinct positions, FULL only when full), {@code FullEpochWake} (a producer that remembered
 *       a FULL epoch is never FULL again once an ack has returned);</li>
 *   <li>seal: {@code SealClaim} (seal against a claim: the claim comes before the sealed bit or is refused, the
 *       seal is never lost);</li>
 *   <li>outside the ring: {@code ParticipantAttachTest} (two attachers through two mappings of one file, one free
 *       participant row: exactly one gets it), {@code ReaperElectionTest} (two candidates take over a dead reaper's
 *       role: exactly one is elected), {@code ProtocolWordsTornReadTest} (no 64-bit word of a slot, a lane entry, the
 *       header or a participant row is ever read half-written);</li>
 *   <li>laps: {@code WrapAround32/40/62} (producer and consumer across a lap boundary at position 2^n, with the
 *       lease-state generations wrapping through 2^32 as well).</li>
 * </ul>
 * {@link io.ipcq.stress.RingFixture} lays out one lane and the dead-letter ring, each over its own sub-buffers, in a
 * small direct buffer per test state (no file header), with a {@code CachedEpochClock} the test moves. Run them with
 * {@code scripts/jcstress} ({@code --quick} for CI).
 */
package io.ipcq.stress;
