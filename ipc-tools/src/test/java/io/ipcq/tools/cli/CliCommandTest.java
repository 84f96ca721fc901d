package io.ipcq.tools.cli;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.SendResult;
import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.QueueDescriptor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.SystemEpochClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static io.ipcq.tools.cli.CliJson.*;
import static io.ipcq.tools.cli.CliRunner.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Runs the real {@code scripts/ipcq} for every verb and every kind of bad input. Launches are grouped (a JVM start
 * is slow on a busy machine): each test walks through several steps of one story.
 */
class CliCommandTest
{
    @RegisterExtension
    final CliQueues queues = new CliQueues();

    @BeforeAll
    static void buildOnce()
    {
        // The first launch builds ipc-tools if needed (its output goes to stderr): a generous limit, once.
        final Result version = CliRunner.run(null, Duration.ofMinutes(15), "--version");
        assertEquals(0, version.exitCode(), version::toString);
        assertTrue(version.stdout().startsWith("ipcq "), version::toString);
        assertTrue(version.stdout().contains("layout version " + QueueDescriptor.LAYOUT_VERSION), version::toString);
        assertTrue(version.stdout().contains("Java " + Runtime.version().feature() + "."),
            "the command runs on the JDK that runs the tests: " + version);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Every verb, one story
    // -------------------------------------------------------------------------------------------------------------

    @Test
    void everyVerbFromCreateToDelete() throws IOException
    {
        final Path queue = queues.newPath();
        final String q = queue.toString();

        final Result created = run("create", q, "--capacity", "4", "--slot-size", "64", "--lanes", "2",
            "--lease-timeout", "2s", "--heartbeat-timeout", "5s", "--max-deliveries", "3", "--group-shared").ok();
        assertTrue(created.stdout().startsWith("created " + q + ": 2 lanes x 4 slots"), created::toString);
        assertEquals(Set.of("rw-rw----"), Set.of(PosixFilePermissions.toString(Files.getPosixFilePermissions(queue))));

        assertEquals("", run("send", q, "--lane", "1", "héllo wörld", "second").ok().stdout());
        assertEquals("", runWithInput("a\nb\n", "send", q).ok().stdout());

        // The higher lane first, in commit order; then lane 0.
        final List<Map<String, Object>> received = run("recv", q, "--count", "3", "--format", "json").ok()
            .stdoutLines().stream().map(CliJson::object).collect(Collectors.toList());
        assertEquals(3, received.size());
        assertEquals(List.of("héllo wörld", "second", "a"),
            received.stream().map(m -> m.get("payload")).collect(Collectors.toList()));
        assertEquals(List.of(1L, 1L, 0L), received.stream().map(m -> m.get("lane")).collect(Collectors.toList()));
        assertEquals(List.of(1L, 1L, 1L),
            received.stream().map(m -> m.get("deliveries")).collect(Collectors.toList()));
        // JSON keeps the raw id (lane << 56 | position of the send); text views print lane:position.
        assertEquals(List.of(1L << 56, (1L << 56) | 1, 0L),
            received.stream().map(m -> m.get("id")).collect(Collectors.toList()));

        // Peek without acking: printed as hex, released at the end, so it stays queued for redelivery.
        final Result peeked = run("recv", q, "--no-ack", "--format", "hex", "--timeout", "300ms", "--count", "10")
            .ok();
        assertEquals(List.of("# id=0:1 lane=0 deliveries=1 length=1", "00000000 62"),
            peeked.stdoutLines().stream().map(l -> l.replaceAll("\\s+b$", "").strip())
                .collect(Collectors.toList()), peeked::toString);
        assertTrue(peeked.stdout().strip().endsWith("b"), peeked::toString);

        final byte[] before = Files.readAllBytes(queue);
        final Map<String, Object> json = object(run("inspect", q, "--json").ok().stdout());
        assertArrayEquals(before, Files.readAllBytes(queue), "inspect changed the file");
        assertEquals(queue.toAbsolutePath().toString(), json.get("path"));
        assertEquals((long)QueueDescriptor.LAYOUT_VERSION, json.get("layoutVersion"));
        assertEquals(2L, json.get("lanes"));
        assertEquals(4L, json.get("capacity"));
        assertEquals(64L, json.get("slotSize"));
        assertEquals(2000L, json.get("leaseTimeoutMs"));
        assertEquals(5000L, json.get("heartbeatTimeoutMs"));
        assertEquals(3L, json.get("maxDeliveries"));
        assertEquals(Boolean.FALSE, json.get("sealed"));
        assertEquals(0L, json.get("ready"));
        assertEquals(0L, json.get("leased"));
        assertEquals(1L, json.get("redelivery"));
        assertEquals(7L, json.get("free"));
        assertEquals(0L, json.get("deadLettered"));
        final Map<String, Object> counters = map(json, "counters");
        assertEquals(4L, number(counters, "sent"));
        assertEquals(4L, number(counters, "delivered"));
        assertEquals(3L, number(counters, "acked"));
        assertEquals(1L, number(counters, "released"));
        for (final String name : List.of("expired", "redelivered", "deadLettered", "rejectedFull", "fencedAcks"))
        {
            assertEquals(0L, number(counters, name), name);
        }
        assertEquals(List.of(), list(json, "participants"), "every command detached when it ended");

        final Result reaped = run("reap", q).ok();
        assertTrue(reaped.stdout().contains("0 expired leases revoked"), reaped::toString);
        assertTrue(reaped.stdout().contains("1 waiting for redelivery"), reaped::toString);

        assertEquals("", run("seal", q).ok().stdout());
        final byte[] sealed = Files.readAllBytes(queue);
        run("send", q, "late").fails(1, "SEALED", q);
        assertArrayEquals(sealed, Files.readAllBytes(queue), "a refused send changed the file");

        // Without --timeout recv waits for --count messages, but a sealed, drained queue ends the stream.
        assertEquals("b\n", run("recv", q, "--count", "5").ok().stdout());

        assertEquals("", run("delete", q).ok().stdout());
        assertFalse(Files.exists(queue));
    }

    @Test
    void redriveAndPurgeMoveAndDropMessagesAndSaySoAndPurgeIsRefusedWhileALeaseIsHeld()
    {
        final Path queue = queues.newPath();
        final String q = queue.toString();
        // Manual mode; a long heartbeat timeout so a command's reaper never judges this process's rows dead.
        final IpcQueue ipc = queues.closeLater(IpcQueue.create(queue, QueueConfig.builder().lanes(2).capacity(8)
            .maxPayloadLength(64).maxDeliveries(1).heartbeatTimeout(Duration.ofSeconds(60))
            .leaseTimeout(Duration.ofSeconds(60)).build(), SystemEpochClock.INSTANCE));
        final Producer producer = ipc.producer();
        final Consumer consumer = ipc.consumer();
        final byte[] binary = { 0, (byte)0xFF, '\n', (byte)0x80, 0, 'z' };
        assertEquals(SendResult.OK, producer.trySend(1, binary));
        assertEquals(SendResult.OK, producer.trySend(0, "b".getBytes(StandardCharsets.UTF_8)));
        assertEquals(SendResult.OK, producer.trySend(0, "c".getBytes(StandardCharsets.UTF_8)));
        final long[] ids = new long[3];
        for (int i = 0; i < 3; i++)
        {
            final Lease lease = consumer.tryLease();
            ids[i] = lease.id();
            assertTrue(lease.release(), "max deliveries 1: dead-lettered");
        }
        assertEquals(3, ipc.stats().deadLettered());
        assertEquals(SendResult.OK, producer.trySend(0, "held".getBytes(StandardCharsets.UTF_8)));
        assertEquals(SendResult.OK, producer.trySend(0, "ready".getBytes(StandardCharsets.UTF_8)));
        final Lease held = consumer.tryLease();
        assertEquals("held", new String(bytes(held), StandardCharsets.UTF_8));

        run("purge", q).fails(1, "purge", "refused", "1 lease is held", q);
        assertEquals(1, ipc.stats().ready(), "a refused purge drops nothing");
        run("purge", q, "--lane", "0", "--dead-letters").fails(2, "--lane and --dead-letters");

        assertEquals("redrove 2 dead letters from " + q + " (1 left in the dead-letter ring)\n",
            run("redrive", q, "--count", "2").ok().stdout());
        assertEquals("redrove 1 dead letter from " + q + " to lane 1 (0 left in the dead-letter ring)\n",
            run("redrive", q, "--lane", "1").ok().stdout());
        // Lane 1 first: the binary one (sent there), then "c" (sent on lane 0, redriven to lane 1); then lane 0.
        final Lease first = consumer.tryLease();
        final Lease second = consumer.tryLease();
        final Lease third = consumer.tryLease();
        assertArrayEquals(binary, bytes(first), "byte for byte");
        assertEquals(ids[0], first.id());
        assertEquals(1, first.deliveryCount(), "the delivery count starts again");
        assertEquals("c", new String(bytes(second), StandardCharsets.UTF_8));
        assertEquals(ids[2], second.id(), "its id, which still names lane 0");
        assertEquals("ready", new String(bytes(third), StandardCharsets.UTF_8));
        final Lease fourth = consumer.tryLease();
        assertEquals("b", new String(bytes(fourth), StandardCharsets.UTF_8));
        assertEquals(ids[1], fourth.id());
        assertTrue(first.ack() && second.ack() && third.ack() && fourth.ack());
        assertEquals(SendResult.OK, producer.trySend(0, "x".getBytes(StandardCharsets.UTF_8)));

        assertEquals("purged 1 message from " + q + " (lanes 0..1)\n", run("purge", q, "--force").ok().stdout());
        assertTrue(held.release(), "dead-lettered: max deliveries 1");
        assertEquals(0, ipc.stats().ready() + ipc.stats().leased() + ipc.stats().redelivery());
        assertEquals("purged 1 dead letter from " + q + " (the dead-letter ring)\n",
            run("purge", q, "--dead-letters").ok().stdout());
        assertEquals(0, ipc.stats().deadLettered());
        assertEquals(ipc.stats().capacity(), ipc.stats().free());
    }

    private static byte[] bytes(final Lease lease)
    {
        assertNotNull(lease);
        final byte[] bytes = new byte[lease.length()];
        lease.payload().getBytes(0, bytes);
        return bytes;
    }

    @Test
    void inspectReadsALiveQueueWithoutTouchingIt() throws IOException
    {
        final Path queue = queues.newPath();
        // Manual mode (no background agent beating heartbeats), so inspect is the only thing that could write.
        final IpcQueue ipc = queues.closeLater(IpcQueue.create(queue,
            QueueConfig.builder().lanes(2).capacity(8).maxPayloadLength(64).build(), SystemEpochClock.INSTANCE));
        final Producer producer = ipc.producer();
        final Consumer consumer = ipc.consumer();
        assertEquals(SendResult.OK, producer.trySend(1, "hello, inspector".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(SendResult.OK, producer.trySend(0, "x".getBytes(StandardCharsets.US_ASCII)));
        final Lease lease = consumer.tryLease();
        assertNotNull(lease);
        final String q = queue.toString();
        final String pid = Long.toString(ProcessHandle.current().pid());
        final byte[] before = Files.readAllBytes(queue);

        final Result summary = run("inspect", q).ok();
        assertTrue(summary.stdout().contains("queue      " + queue.toAbsolutePath()), summary::toString);
        assertTrue(summary.stdout().contains("2 lanes x 8 slots"), summary::toString);
        assertTrue(summary.stdout().lines().anyMatch(l -> l.matches("1\\s+0\\s+1\\s+0\\s+.*")), summary::toString);
        assertTrue(summary.stdout().lines().anyMatch(l -> l.contains(pid) && l.contains("consumer") &&
            l.contains("running")), summary::toString);
        assertTrue(summary.stdout().lines().anyMatch(l -> l.contains(pid) && l.contains("producer")),
            summary::toString);

        final Result slots = run("inspect", q, "--slots").ok();
        final String leasedLine = slots.stdout().lines().filter(l -> l.contains("LEASED")).findFirst().orElseThrow(
            () -> new AssertionError("no LEASED slot in " + slots));
        assertTrue(leasedLine.startsWith("1 "), leasedLine);
        assertTrue(leasedLine.contains("p" + consumer.participantIndex()), leasedLine);
        assertTrue(leasedLine.contains("68 65 6c 6c 6f 2c 20 69"), leasedLine);
        assertTrue(leasedLine.contains("hello, i"), leasedLine);
        assertTrue(leasedLine.contains(" in "), "time left on the lease: " + leasedLine);
        assertTrue(slots.stdout().lines().anyMatch(l -> l.startsWith("0 ") && l.contains("READY") &&
            l.contains("78")), slots::toString);

        final Map<String, Object> json = object(run("inspect", q, "--slots", "--json").ok().stdout());
        final List<Map<String, Object>> busy = list(json, "slots");
        assertEquals(2, busy.size(), json::toString);
        final Map<String, Object> leased = busy.stream().filter(s -> "LEASED".equals(s.get("state"))).findFirst()
            .orElseThrow();
        assertEquals((long)consumer.participantIndex(), leased.get("participant"));
        assertEquals("hello, inspector", leased.get("headText"));
        assertEquals(1L, json.get("leased"));
        assertEquals(1L, json.get("ready"));
        final List<Map<String, Object>> participants = list(json, "participants");
        assertEquals(List.of("consumer", "producer"),
            participants.stream().map(row -> (String)row.get("role")).sorted().toList(), json::toString);
        for (final Map<String, Object> row : participants)
        {
            assertEquals(ProcessHandle.current().pid(), number(row, "pid"));
            for (final String name : List.of("id", "role", "alive", "heartbeatAgeMs", "leases"))
            {
                require(row, name);
            }
        }

        assertArrayEquals(before, Files.readAllBytes(queue), "inspect changed the file");
        assertTrue(lease.ack(), "the lease is untouched: it still acks");
    }

    /**
     * The Enqueued Epoch ms word, through the three views: the summary's oldest ready message per lane, each message's
     * age in --slots, and the raw epoch ms with the age in --json. The producer's clock is set hours back, so the ages
     * are read far above the time the child JVM takes to start.
     */
    @Test
    void inspectShowsTheAgeOfTheOldestReadyMessageOfEachLaneAndOfEveryMessage() throws IOException
    {
        final Path queue = queues.newPath();
        final CachedEpochClock clock = new CachedEpochClock();
        final long first = System.currentTimeMillis() - Duration.ofHours(2).toMillis();
        clock.update(first);
        final IpcQueue ipc = queues.closeLater(IpcQueue.create(queue,
            QueueConfig.builder().lanes(2).capacity(8).maxPayloadLength(64).leaseTimeout(Duration.ofHours(1)).build(),
            clock));
        final Producer producer = ipc.producer();
        assertEquals(SendResult.OK, producer.trySend(0, "oldest".getBytes(StandardCharsets.US_ASCII)));
        final long second = first + Duration.ofMinutes(90).toMillis();
        clock.update(second);
        assertEquals(SendResult.OK, producer.trySend(0, "newer".getBytes(StandardCharsets.US_ASCII)));
        clock.update(first + Duration.ofMinutes(115).toMillis());
        assertEquals(SendResult.OK, producer.trySend(1, "leased".getBytes(StandardCharsets.US_ASCII)));
        final Lease lease = ipc.consumer().tryLease();
        assertEquals(1, lease.lane(), "lane 1's only message is leased: no ready message there");
        final String q = queue.toString();

        final Result summary = run("inspect", q).ok();
        // lane, ready, leased, redelivery, oldest (2 hours; 2h01m if the minute turns meanwhile), ...
        assertTrue(summary.stdout().lines().anyMatch(l -> l.matches("0\\s+2\\s+0\\s+0\\s+2h0[01]m\\s.*")),
            summary::toString);
        assertTrue(summary.stdout().lines().anyMatch(l -> l.matches("1\\s+0\\s+1\\s+0\\s+-\\s.*")),
            summary::toString);
        assertTrue(summary.stdout().lines().anyMatch(l -> l.matches("all\\s+2\\s+1\\s+0\\s+2h0[01]m\\s.*")),
            summary::toString);
        assertTrue(summary.stdout().lines().anyMatch(l -> l.matches("DL\\s+0\\s+0\\s+0\\s+-\\s.*")),
            summary::toString);
        assertTrue(summary.stdout().contains("oldest: age of the lane's oldest ready"), summary::toString);

        final Result slots = run("inspect", q, "--slots").ok();
        // ring, slot, position, state, ..., length, age, deadline, preview.
        assertTrue(slots.stdout().lines().anyMatch(l ->
            l.matches("0\\s+0\\s+0\\s+READY\\s.*\\s2h0[01]m\\s+-\\s.*")), "2 hours, no deadline: " + slots);
        assertTrue(slots.stdout().lines().anyMatch(l ->
            l.matches("0\\s+1\\s+1\\s+READY\\s.*\\s3[01]m\\d\\ds\\s+-\\s.*")), "30 minutes: " + slots);
        assertTrue(slots.stdout().lines().anyMatch(l ->
            l.matches("1\\s+0\\s+0\\s+LEASED\\s.*\\s[56]m\\d\\ds\\s+in .*")),
            "5 minutes, and the lease's time left: " + slots);

        final Map<String, Object> json = object(run("inspect", q, "--slots", "--json").ok().stdout());
        final long read = number(json, "readEpochMs");
        final List<Map<String, Object>> lanes = list(json, "perLane");
        assertEquals(first, number(lanes.get(0), "oldestReadyEnqueuedEpochMs"));
        assertEquals(read - first, number(lanes.get(0), "oldestReadyAgeMs"));
        assertEquals(0L, number(lanes.get(1), "oldestReadyEnqueuedEpochMs"), "none ready in lane 1");
        assertTrue(lanes.get(1).containsKey("oldestReadyAgeMs") && lanes.get(1).get("oldestReadyAgeMs") == null,
            json::toString);
        final List<Map<String, Object>> busy = list(json, "slots");
        assertEquals(List.of(first, second, first + Duration.ofMinutes(115).toMillis()),
            busy.stream().map(slot -> number(slot, "enqueuedEpochMs")).toList(), json::toString);
        for (final Map<String, Object> slot : busy)
        {
            assertEquals(read - number(slot, "enqueuedEpochMs"), number(slot, "ageMs"), slot::toString);
        }
        assertTrue(lease.ack());
    }

    /**
     * A message held while the producers come round to its slot: the slot's sequence carries the skipped bit (bit 63)
     * and the message's position sits in the Position word. inspect decodes both, never printing the raw word (a
     * huge negative number), and shows each lane's Full Epoch.
     */
    @Test
    void inspectDecodesASkippedSlotAndShowsTheFullEpoch() throws IOException
    {
        final Path queue = queues.newPath();
        final IpcQueue ipc = queues.closeLater(IpcQueue.create(queue,
            QueueConfig.builder().capacity(4).maxPayloadLength(64).build(), SystemEpochClock.INSTANCE));
        final Producer producer = ipc.producer();
        final Consumer consumer = ipc.consumer();
        for (int i = 0; i < 4; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, ("m" + i).getBytes(StandardCharsets.US_ASCII)));
        }
        final Lease held = consumer.tryLease();
        assertEquals(0, held.id(), "m0, position 0, slot 0");
        for (int i = 1; i < 4; i++)
        {
            assertTrue(consumer.tryLease().ack());
        }
        // Position 4 comes round to slot 0, still held: skipped; m4, m5, m6 go to positions 5, 6, 7 (slots 1, 2, 3).
        for (int i = 4; i < 7; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, ("m" + i).getBytes(StandardCharsets.US_ASCII)));
        }
        assertEquals(SendResult.FULL, producer.trySend(0, new byte[]{ 'x' }), "four messages in four slots");
        final String q = queue.toString();
        final byte[] before = Files.readAllBytes(queue);

        final Result summary = run("inspect", q).ok();
        assertTrue(summary.stdout().contains("full epoch"), summary::toString);
        assertTrue(summary.stdout().lines().anyMatch(l ->
            l.matches("0\\s+3\\s+1\\s+0\\s+.*\\s8\\s+4\\s+0\\s+1 \\(odd\\)")),
            "lane 0: 3 ready, 1 leased, tail 8, cursor 4, head 0, full epoch 1 (odd): " + summary);

        final Result slots = run("inspect", q, "--slots").ok();
        // A skipped sequence printed raw reads as a long below -9.22e18 (bit 63 set); a random path may hold "-92".
        assertFalse(slots.stdout().contains("-922337203685477"), "no raw skipped sequence: " + slots);
        final String skippedLine = slots.stdout().lines().filter(l -> l.contains("LEASED")).findFirst().orElseThrow(
            () -> new AssertionError("no LEASED slot in " + slots));
        assertTrue(skippedLine.matches("0\\s+0\\s+0 skipped to 4\\s+LEASED\\s+p" + consumer.participantIndex() +
            "\\s.*"), skippedLine);
        assertTrue(skippedLine.contains("m0"), skippedLine);
        for (int i = 1; i < 4; i++)
        {
            final String index = Integer.toString(i);
            final String position = Integer.toString(4 + i);
            assertTrue(slots.stdout().lines().anyMatch(l ->
                l.matches("0\\s+" + index + "\\s+" + position + "\\s+READY\\s.*m" + (3 + Integer.parseInt(index)) +
                    ".*")), "slot " + i + " holds position " + position + ": " + slots);
        }

        final Map<String, Object> json = object(run("inspect", q, "--slots", "--json").ok().stdout());
        final List<Map<String, Object>> busy = list(json, "slots");
        assertEquals(4, busy.size(), json::toString);
        for (final Map<String, Object> slot : busy)
        {
            final long index = number(slot, "index");
            if (index == 0)
            {
                assertEquals("LEASED", slot.get("state"), slot::toString);
                assertEquals(Boolean.TRUE, slot.get("skipped"), slot::toString);
                assertEquals(4L, number(slot, "skippedThrough"), slot::toString);
                assertEquals(0L, number(slot, "position"), slot::toString);
                assertEquals(5L, number(slot, "sequence"), "the sequence without the skipped bit: " + slot);
                assertEquals("m0", slot.get("headText"));
            }
            else
            {
                assertEquals("READY", slot.get("state"), slot::toString);
                assertEquals(Boolean.FALSE, slot.get("skipped"), slot::toString);
                assertNull(slot.get("skippedThrough"), slot::toString);
                assertEquals(4 + index, number(slot, "position"), slot::toString);
                assertEquals(5 + index, number(slot, "sequence"), "committed: position + 1: " + slot);
            }
        }
        final Map<String, Object> lane0 = list(json, "perLane").get(0);
        assertEquals(1L, number(lane0, "fullEpoch"), lane0::toString);
        assertEquals(Boolean.TRUE, lane0.get("fullEpochOdd"), lane0::toString);
        assertEquals(0L, number(map(json, "deadLetterRing"), "fullEpoch"), json::toString);
        assertArrayEquals(before, Files.readAllBytes(queue), "inspect changed the file");

        // A free wakes the producers that found the lane full: the epoch turns even, and the producer sends again.
        assertTrue(consumer.tryLease().ack(), "m4");
        final Map<String, Object> woken = list(object(run("inspect", q, "--json").ok().stdout()), "perLane").get(0);
        assertEquals(2L, number(woken, "fullEpoch"), woken::toString);
        assertEquals(Boolean.FALSE, woken.get("fullEpochOdd"), woken::toString);
        assertEquals(SendResult.OK, producer.trySend(0, new byte[]{ 'y' }));
        assertTrue(held.ack(), "the skipped message is still its holder's");
    }

    @Test
    void aKilledConsumersLeaseIsReapedAndRedelivered() throws Exception
    {
        final Path queue = queues.newPath();
        try (IpcQueue ipc = IpcQueue.create(queue, QueueConfig.builder().capacity(4).maxPayloadLength(64)
            .leaseTimeout(Duration.ofMinutes(5)).build());
            Producer producer = ipc.producer())
        {
            assertEquals(SendResult.OK, producer.trySend(0, "job-1".getBytes(StandardCharsets.US_ASCII)));
        }
        final String q = queue.toString();
        try (Running consumer = new Running("recv", q, "--hold", "60s", "--format", "json"))
        {
            consumer.awaitStdout(text -> text.contains("\"payload\":\"job-1\""), "the message");
            consumer.kill();
        }

        final Map<String, Object> json = object(run("inspect", q, "--json").ok().stdout());
        assertEquals(1L, json.get("leased"));
        final List<Map<String, Object>> consumers = list(json, "participants").stream()
            .filter(row -> "consumer".equals(row.get("role"))).toList();
        assertEquals(1, consumers.size(), json::toString);
        assertEquals(Boolean.FALSE, consumers.get(0).get("processAlive"));
        assertEquals(Boolean.FALSE, consumers.get(0).get("alive"));
        assertEquals(1L, consumers.get(0).get("leases"));

        // Its process is gone: the reaper revokes the lease at once, long before its 5-minute deadline.
        final Result reaped = run("reap", q).ok();
        assertTrue(reaped.stdout().contains("1 lease taken from the dead"), reaped::toString);
        assertTrue(reaped.stdout().contains("0 expired leases revoked"), reaped::toString);

        final Map<String, Object> again = object(run("recv", q, "--format", "json", "--timeout", "30s").ok().stdout());
        assertEquals("job-1", again.get("payload"));
        assertEquals(2L, again.get("deliveries"));
        assertTrue(list(object(run("inspect", q, "--json").ok().stdout()), "participants").isEmpty(),
            "the dead process's rows were freed");
    }

    @Test
    void watchRedrawsWithRatesUntilStopped() throws Exception
    {
        final Path queue = queues.newPath();
        final IpcQueue ipc = queues.closeLater(IpcQueue.create(queue, QueueConfig.builder().capacity(8).build()));
        // With --slots too: Chronicle Bytes (loaded for the previews) must not get in the way of the signal.
        try (Running watch = new Running("inspect", queue.toString(), "--slots", "--watch", "200ms"))
        {
            watch.awaitStdout(text -> text.split(java.util.regex.Pattern.quote(InspectCommand.CLEAR), -1).length > 2, "two frames");
            try (Producer producer = ipc.producer())
            {
                for (int i = 0; i < 3; i++)
                {
                    assertEquals(SendResult.OK, producer.trySend(0, new byte[]{ (byte)i }));
                }
            }
            watch.awaitStdout(text -> text.contains("sent 3 "), "a frame with the new counts");
            watch.awaitStdout(text -> text.matches("(?s).*rates/s\\s+sent [1-9].*"), "a non-zero send rate");
            final int exit = watch.terminate();
            assertEquals(143, exit, "SIGTERM ends the JVM with 128 + 15");
            assertNoStackTrace(new Result(watch.args, exit, watch.out.text(), watch.err.text()));
        }
    }

    @Test
    void aFullLaneFailsAtOnceOrAfterTheTimeout()
    {
        final Path queue = queues.newPath();
        try (IpcQueue ipc = IpcQueue.create(queue, QueueConfig.builder().capacity(2).build());
            Producer producer = ipc.producer())
        {
            assertEquals(SendResult.OK, producer.trySend(0, new byte[]{ (byte)0xff, 0 }));
            assertEquals(SendResult.OK, producer.trySend(0, "tab\there".getBytes(StandardCharsets.UTF_8)));
        }
        run("send", queue.toString(), "c").fails(1, "FULL", "no --timeout");
        run("send", queue.toString(), "--timeout", "200ms", "c").fails(1, "FULL", "within 200ms");

        // Binary payloads come out as base64 in JSON, text ones as strings.
        final List<Map<String, Object>> drained = run("recv", queue.toString(), "--count", "2", "--format", "json")
            .ok().stdoutLines().stream().map(CliJson::object).collect(Collectors.toList());
        assertEquals("base64", drained.get(0).get("encoding"));
        assertEquals("/wA=", drained.get(0).get("payload"));
        assertEquals("utf-8", drained.get(1).get("encoding"));
        assertEquals("tab\there", drained.get(1).get("payload"));
    }

    // -------------------------------------------------------------------------------------------------------------
    // Files that are not (good) queues
    // -------------------------------------------------------------------------------------------------------------

    enum BadFile
    {
        MISSING("inspect", "does not exist"),
        MISSING_FOR_SEND("send", "does not exist"),
        DIRECTORY("inspect", "not a regular file"),
        TEXT_FILE_NOT_DELETED("delete", "not an ipcq queue"),
        WRONG_MAGIC("inspect", "magic is 0x"),
        NEWER_LAYOUT_VERSION("recv", "layout version " + (QueueDescriptor.LAYOUT_VERSION + 1)),
        UNFINISHED_CREATE("inspect", "not ready"),
        TRUNCATED("seal", "is truncated"),
        TRUNCATED_INSPECTED("inspect", "is truncated"),
        RANDOM_BYTES("inspect", "not an ipcq queue"),
        CORRUPT_LANES_WORD("reap", "corrupt header: lanes must be in [1, 16]: 99"),
        CORRUPT_SEALED_WORD("send", "corrupt header: sealed word is 7"),
        EMPTY_FILE("inspect", "shorter than the 1024-byte header");

        final String verb;
        final String expected;

        BadFile(final String verb, final String expected)
        {
            this.verb = verb;
            this.expected = expected;
        }
    }

    @ParameterizedTest
    @EnumSource(BadFile.class)
    void aBadFileIsReportedInOneLineAndNeverChanged(final BadFile bad) throws IOException
    {
        final Path path = queues.newPath();
        makeBadFile(bad, path);
        final byte[] before = Files.isRegularFile(path) ? Files.readAllBytes(path) : null;

        final Result result = "send".equals(bad.verb) ? run("send", path.toString(), "hi") :
            run(bad.verb, path.toString());
        result.fails(1, bad.expected, path.toString());

        if (before == null)
        {
            assertEquals(bad == BadFile.DIRECTORY, Files.exists(path), "nothing was created at " + path);
        }
        else
        {
            assertArrayEquals(before, Files.readAllBytes(path), bad + ": the file changed");
        }
    }

    private static void makeBadFile(final BadFile bad, final Path path) throws IOException
    {
        switch (bad)
        {
            case MISSING:
            case MISSING_FOR_SEND:
                return;
            case DIRECTORY:
                Files.createDirectory(path);
                return;
            case TEXT_FILE_NOT_DELETED:
                Files.writeString(path, "precious notes, not a queue\n".repeat(100));
                return;
            case RANDOM_BYTES:
                final byte[] noise = new byte[70_000];
                new Random(42).nextBytes(noise);
                Files.write(path, noise);
                return;
            case EMPTY_FILE:
                Files.write(path, new byte[0]);
                return;
            default:
                break;
        }
        IpcQueue.create(path, QueueConfig.builder().capacity(4).maxPayloadLength(64).build()).close();
        switch (bad)
        {
            case WRONG_MAGIC:
                putInt(path, QueueDescriptor.MAGIC_OFFSET, 0x4b4e554a);
                break;
            case NEWER_LAYOUT_VERSION:
                putInt(path, QueueDescriptor.LAYOUT_VERSION_OFFSET, QueueDescriptor.LAYOUT_VERSION + 1);
                break;
            case UNFINISHED_CREATE:
                putInt(path, QueueDescriptor.LAYOUT_VERSION_OFFSET, 0);
                break;
            case TRUNCATED:
            case TRUNCATED_INSPECTED:
                try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw"))
                {
                    file.setLength(file.length() / 2);
                }
                break;
            case CORRUPT_LANES_WORD:
                putInt(path, QueueDescriptor.LANES_OFFSET, 99);
                break;
            case CORRUPT_SEALED_WORD:
                putInt(path, QueueDescriptor.SEALED_OFFSET, 7);
                break;
            default:
                throw new IllegalStateException(bad.name());
        }
    }

    private static void putInt(final Path path, final int offset, final int value) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(path);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        Files.write(path, bytes);
    }

    /**
     * Issue 11 item 1: a lane word set to a value the protocol cannot produce (bit 63 alone) made recv, send and reap
     * loop for ever at 100% CPU. Each verb must end within 10 s with one line naming the ring and the word, exit 1,
     * and leave the file as it was.
     */
    @Test
    void anImpossibleLaneWordIsReportedByEveryVerbInsteadOfAHang() throws IOException
    {
        final int lane0 = LaneDescriptor.laneDescriptorOffset(0);
        assertEquals(1280, lane0 + LaneDescriptor.HEAD_OFFSET, "lane 0's head hint, as issue 11 names it");
        assertEquals(1152, lane0 + LaneDescriptor.LEASE_CURSOR_OFFSET, "lane 0's lease cursor, as issue 11 names it");
        final Map<String, Integer> words = Map.of(
            "lane 0: impossible head hint", lane0 + LaneDescriptor.HEAD_OFFSET,
            "lane 0: impossible lease cursor", lane0 + LaneDescriptor.LEASE_CURSOR_OFFSET,
            // One lane: the dead-letter ring's entry is the second of the lane table.
            "the dead-letter ring: impossible head hint",
            LaneDescriptor.laneDescriptorOffset(1) + LaneDescriptor.HEAD_OFFSET);
        for (final Map.Entry<String, Integer> word : words.entrySet())
        {
            final Path queue = queues.newPath();
            final String q = queue.toString();
            run("create", q, "--capacity", "4", "--slot-size", "64").ok();
            run("send", q, "one", "two").ok();
            final byte[] bytes = Files.readAllBytes(queue);
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(word.getValue(), 0x8000_0000_0000_0000L);
            Files.write(queue, bytes);

            final String[] fragments = word.getKey().split(": ");
            final Duration limit = Duration.ofSeconds(10);
            run(null, limit, "recv", q, "--timeout", "300ms").fails(1, fragments[0] + " of " + q, fragments[1]);
            run(null, limit, "send", q, "three").fails(1, fragments[0] + " of " + q, fragments[1]);
            run(null, limit, "reap", q).fails(1, fragments[0] + " of " + q, fragments[1]);
            assertArrayEquals(bytes, Files.readAllBytes(queue), word.getKey() + ": a refused command changed the file");
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Bad arguments
    // -------------------------------------------------------------------------------------------------------------

    @Test
    void badArgumentsAreRefusedBeforeAnyByteChanges() throws IOException
    {
        final Path queue = queues.newPath();
        IpcQueue.create(queue, QueueConfig.builder().capacity(4).maxPayloadLength(16).build()).close();
        final String q = queue.toString();
        final byte[] before = Files.readAllBytes(queue);

        run("send", q, "--lane", "5", "hi").fails(1, "lane 5 does not exist", q, "0..0");
        run("send", q, "x".repeat(17)).fails(1, "17 bytes", "at most 16", "nothing sent");
        run("recv", q, "--timeout", "5x").fails(2, "--timeout", "'5x' is not a duration");
        run("inspect", q, "--bogus").fails(2, "unknown option", "'--bogus'");
        run("frobnicate", q).fails(2, "unknown command 'frobnicate'");
        run("recv").fails(2, "recv", "PATH");
        run("create", q).fails(1, "already exists", q);
        assertArrayEquals(before, Files.readAllBytes(queue), "a refused command changed the file");

        final Path fresh = queues.newPath();
        run("create", fresh.toString(), "--capacity", "1000").fails(2, "--capacity 1000", "not a power of two");
        run("create", fresh.toString(), "--lease-timeout", "1h").fails(2, "--lease-timeout", "'1h'");
        assertFalse(Files.exists(fresh), "a refused create made a file");

        // A line of stdin too long: refused with its line number, after the lines before it were sent.
        runWithInput("fits\n" + "y".repeat(40) + "\n", "send", q).fails(1, "line 2 of stdin is 40 bytes",
            "1 line sent before it");
    }

    @Test
    void verboseAddsTheStackTraceAndHelpExitsZero()
    {
        final Path missing = queues.newPath();
        final Result verbose = run("inspect", missing.toString(), "--verbose");
        assertEquals(1, verbose.exitCode(), verbose::toString);
        assertTrue(verbose.stderr().startsWith("ipcq: inspect: no queue at " + missing), verbose::toString);
        assertTrue(verbose.stderr().contains("at io.ipcq."), "--verbose prints the stack trace: " + verbose);

        final Result help = run("--help").ok();
        for (final String verb : List.of("create", "send", "recv", "inspect", "reap", "seal", "delete"))
        {
            assertTrue(Arrays.stream(help.stdout().split("\n")).anyMatch(l -> l.strip().startsWith(verb)),
                verb + " in: " + help);
        }
    }
}
