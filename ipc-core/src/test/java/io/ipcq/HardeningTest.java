package io.ipcq;

import io.ipcq.child.JavaCommand;
import io.ipcq.internal.CrashPoint;
import io.ipcq.internal.ProcessInfo;
import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.support.PosixGroups;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Regression tests of issue 11 (items 2 to 8) and of the liveness part of issue 12, against the real classes: a
 * file truncated or replaced under a live queue, the mode of a file being created, durations the 40-bit deadlines
 * cannot hold, a queue whose every participant row belongs to a dead process, a seal cut short, leftovers of killed
 * creators, zombies, and a close that waits for the agent's sleep.
 */
class HardeningTest
{
    @RegisterExtension
    final TempQueues queues = new TempQueues();

    private static QueueConfig.Builder small()
    {
        return QueueConfig.builder().capacity(8).maxPayloadLength(64);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 4: durations bounded by what the layout holds for the queue's whole life
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void durationsTheDeadlineFieldCannotHoldAreRefusedAtCreate()
    {
        for (final Duration tooLong : List.of(Duration.ofSeconds(1_099_511_627L), Duration.ofMinutes(18_325_000L),
            Duration.ofDays(366)))
        {
            final IllegalArgumentException lease = assertThrows(IllegalArgumentException.class,
                () -> small().leaseTimeout(tooLong).build(), tooLong::toString);
            assertTrue(lease.getMessage().contains("at most 365 days"), lease::getMessage);
            assertThrows(IllegalArgumentException.class, () -> small().heartbeatTimeout(tooLong).build());
        }
        // The longest accepted lease still fits 40 bits at the end of the queue's life.
        assertTrue(QueueDescriptor.MAX_QUEUE_AGE_MS + QueueDescriptor.MAX_DURATION_MS <=
            io.ipcq.layout.SlotDescriptor.DEADLINE_MASK);
        assertTrue(QueueDescriptor.MAX_QUEUE_AGE_MS > 33L * 365 * 24 * 3600 * 1000, "a queue lives 33 years");

        final IpcQueue queue = queues.create(small().leaseTimeout(Duration.ofDays(365)).build());
        try (Producer producer = queue.producer(); Consumer consumer = queue.consumer())
        {
            assertEquals(SendResult.OK, producer.trySend(0, new byte[]{ 1 }));
            final Lease lease = consumer.tryLease();
            assertNotNull(lease);
            assertThrows(IllegalArgumentException.class, () -> lease.extend(Duration.ofDays(366)));
            assertTrue(lease.extend(Duration.ofDays(365)));
            assertTrue(lease.ack(), "a 365-day lease is not fenced: its deadline did not wrap");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 2: truncation or replacement under a live queue
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void aTruncatedFileFailsEveryLaterCallWithoutTouchingTheMapping() throws IOException
    {
        final Path path = queues.newPath();
        // Manual mode: no agent thread touches the mapping behind the test's back (that would be a SIGBUS).
        final IpcQueue queue = queues.closeLater(IpcQueue.create(path, small().build(), SystemEpochClock.INSTANCE));
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        assertEquals(SendResult.OK, producer.trySend(0, new byte[]{ 7 }));
        final Lease lease = consumer.tryLease();
        assertNotNull(lease);

        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.truncate(4096);
        }
        // What each agent pass does first: look at the file's size and identity.
        final QueueException swept = assertThrows(QueueException.class, queue::sweep);
        assertTrue(swept.getMessage().contains("truncated to 4096 bytes"), swept::getMessage);

        for (final org.junit.jupiter.api.function.Executable call : List.<org.junit.jupiter.api.function.Executable>of(
            () -> producer.trySend(0, new byte[]{ 8 }),
            consumer::tryLease,
            lease::ack,
            lease::release,
            queue::reap,
            queue::producer,
            queue::seal))
        {
            final QueueException ex = assertThrows(QueueException.class, call);
            assertTrue(ex.getMessage().contains("truncated"), ex::getMessage);
        }
        // Closing writes nothing to the truncated mapping (no SIGBUS): it just lets go.
        consumer.close();
        producer.close();
        queue.close();
    }

    @Test
    void aReplacedFileFailsEveryLaterCall() throws IOException
    {
        final Path path = queues.newPath();
        final IpcQueue queue = queues.closeLater(IpcQueue.create(path, small().build(), SystemEpochClock.INSTANCE));
        final Producer producer = queue.producer();
        assertEquals(SendResult.OK, producer.trySend(0, new byte[]{ 7 }));

        // Removed only: the processes that have it mapped may still drain it.
        final Path aside = path.resolveSibling(path.getFileName() + ".aside");
        queues.closeLater(() -> Files.deleteIfExists(aside));
        Files.move(path, aside);
        queue.sweep();
        assertEquals(SendResult.OK, producer.trySend(0, new byte[]{ 8 }));

        // Opened through a symbolic link: the link's target is the file, not replaced.
        final Path link = path.resolveSibling(path.getFileName() + ".link");
        queues.closeLater(() -> Files.deleteIfExists(link));
        Files.createSymbolicLink(link, aside);
        try (IpcQueue linked = IpcQueue.open(link, SystemEpochClock.INSTANCE))
        {
            linked.sweep();
        }

        // Another queue at the path: this process must not go on with the old one.
        queues.closeLater(IpcQueue.create(path, small().build(), SystemEpochClock.INSTANCE));
        final QueueException ex = assertThrows(QueueException.class, queue::sweep);
        assertTrue(ex.getMessage().contains("was replaced"), ex::getMessage);
        final QueueException send = assertThrows(QueueException.class, () -> producer.trySend(0, new byte[]{ 9 }));
        assertTrue(send.getMessage().contains("was replaced"), send::getMessage);
    }

    @Test
    void theAgentNoticesATruncationWithinAPass() throws Exception
    {
        // In a child JVM: if the check ever lost the race against a CAS, only the child would die of SIGBUS.
        final Path path = queues.newPath();
        IpcQueue.create(path, small().heartbeatTimeout(Duration.ofMillis(400)).build()).close();
        try (ChildJvm child = ChildJvm.start(null, "consume", path.toString(), "0", "hold"))
        {
            child.awaitLine("HOLDING", Duration.ofSeconds(60));
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
            {
                channel.truncate(8192);
            }
            // Its agent checks at every pass (100 ms here); GO makes it try its (late) operations.
            Thread.sleep(400);
            child.command("GO");
            final String thrown = child.awaitLine("LEASE_THROWS_MESSAGE", Duration.ofSeconds(60));
            assertNotNull(thrown, child::log);
            assertTrue(thrown.contains("truncated to 8192 bytes"), child::log);
            assertEquals(0, child.awaitExit(Duration.ofSeconds(60)), child::log);
            assertFalse(child.log().contains("A fatal error has been detected"), child::log);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 3: the mode and group from the moment the temporary file exists
    // Item 8: what a creator killed mid-create leaves is removed by create, reap and delete
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void theTemporaryFileIsOwnerOnlyFromItsFirstInstantAndLeftoversOfDeadCreatorsGo() throws Exception
    {
        final Path path = queues.newPath();
        final String group = PosixGroups.otherGroup();

        // Halted right after the open(2) that made it: owner-only, empty.
        final Path first = leftoverOfHaltedCreate(path, "CREATE_AFTER_OPEN", "0660", group);
        final PosixFileAttributes born = Files.readAttributes(first, PosixFileAttributes.class);
        assertEquals("rw-------", PosixFilePermissions.toString(born.permissions()));
        assertEquals(0, born.size());

        // Halted after the group and the mode were set: the final ones, and still no byte written.
        final Path second = leftoverOfHaltedCreate(path, "CREATE_AFTER_MODE", "0660", group);
        final PosixFileAttributes moded = Files.readAttributes(second, PosixFileAttributes.class);
        assertEquals("rw-rw----", PosixFilePermissions.toString(moded.permissions()));
        assertEquals(group, moded.group().getName());
        assertEquals(0, moded.size());

        // A leftover whose creator lives (it started before the file was made) stays.
        final Process live = new ProcessBuilder("sleep", "60").start();
        try
        {
            final Path kept = path.resolveSibling("." + path.getFileName() + ".creating-" + live.pid() + "-1");
            Thread.sleep(1500);
            Files.createFile(kept);
            queues.closeLater(() -> Files.deleteIfExists(kept));

            // create removes the dead creators' leftovers before it makes its own file.
            final IpcQueue queue = queues.closeLater(IpcQueue.create(path, small().build()));
            assertFalse(Files.exists(first), "create removed a dead creator's leftover");
            assertFalse(Files.exists(second), "create removed a dead creator's leftover");
            assertTrue(Files.exists(kept), "a live creator's file is left alone");

            // The reaper removes them too...
            final Path third = leftoverOfHaltedCreate(path, "CREATE_AFTER_MODE", "0600", null);
            queue.reap();
            assertFalse(Files.exists(third), "reap removed a dead creator's leftover");
            queue.close();

            // ... and so does delete.
            final Path fourth = leftoverOfHaltedCreate(path, "CREATE_AFTER_OPEN", "0600", null);
            assertTrue(IpcQueue.delete(path));
            assertFalse(Files.exists(fourth), "delete removed a dead creator's leftover");
            assertTrue(Files.exists(kept), "a live creator's file is left alone");
        }
        finally
        {
            live.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void deleteWithoutForceRefusesAQueueWithLiveParticipants()
    {
        final Path path = queues.newPath();
        final IpcQueue queue = queues.closeLater(IpcQueue.create(path, small().build(), SystemEpochClock.INSTANCE));
        queues.closeLater(queue.consumer());
        final QueueException refused = assertThrows(QueueException.class, () -> IpcQueue.delete(path, false));
        assertTrue(refused.getMessage().contains("1 live participant (pid " + ProcessHandle.current().pid() + ")"),
            refused::getMessage);
        assertTrue(Files.exists(path));
        assertTrue(IpcQueue.delete(path), "the one-argument delete forces, as it always did");
        assertFalse(Files.exists(path));
    }

    @Test
    void aModeOthersCouldReadOrAGroupThatDoesNotExistIsRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> small().mode(0666).build());
        assertThrows(IllegalArgumentException.class, () -> small().mode(0700).build());
        final Path path = queues.newPath();
        final QueueException ex = assertThrows(QueueException.class,
            () -> IpcQueue.create(path, small().group("no-such-group-ipcq").build()));
        assertTrue(ex.getMessage().contains("no group named 'no-such-group-ipcq'"), ex::getMessage);
        assertFalse(Files.exists(path));
        final QueueException empty = assertThrows(QueueException.class, () -> IpcQueue.create(Path.of(""),
            small().build()));
        assertTrue(empty.getMessage().contains("the path is empty"), empty::getMessage);
    }

    private Path leftoverOfHaltedCreate(final Path path, final String crashAt, final String mode, final String group)
        throws Exception
    {
        final List<Path> before = leftovers(path);
        try (ChildJvm child = group == null ?
            ChildJvm.start(crashAt, "create", path.toString(), mode) :
            ChildJvm.start(crashAt, "create", path.toString(), mode, group))
        {
            child.awaitLine("CREATING", Duration.ofSeconds(60));
            assertEquals(CrashPoint.HALT_STATUS, child.awaitExit(Duration.ofSeconds(60)), child::log);
        }
        final List<Path> after = leftovers(path);
        after.removeAll(before);
        assertEquals(1, after.size(), "one leftover: " + after);
        final Path leftover = after.get(0);
        queues.closeLater(() -> Files.deleteIfExists(leftover));
        return leftover;
    }

    private static List<Path> leftovers(final Path path) throws IOException
    {
        final List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(path.getParent(),
            "." + path.getFileName() + ".creating-*"))
        {
            stream.forEach(found::add);
        }
        return found;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Items 5 and 6: every row held by a dead process does not wedge the queue
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void attachingReclaimsTheRowsOfDeadProcessesWhenNoneIsFree() throws Exception
    {
        final Path path = queues.newPath();
        IpcQueue.create(path, small().participantCapacity(2).build()).close();
        try (IpcQueue sender = IpcQueue.open(path, SystemEpochClock.INSTANCE); Producer producer = sender.producer())
        {
            assertEquals(SendResult.OK, producer.trySend(0, CrashChild.payload(41)));
        }
        // A consumer process takes both rows (its consumer and its agent's), leases the message, and is killed.
        try (ChildJvm child = ChildJvm.start(null, "consume", path.toString(), "1", "none"))
        {
            child.awaitLine("LEASED 41", Duration.ofSeconds(60));
            child.signal("KILL");
            child.awaitExit(Duration.ofSeconds(60));
        }
        try (IpcQueue queue = IpcQueue.open(path, SystemEpochClock.INSTANCE))
        {
            // No row is free, both belong to a gone process: attaching reclaims them and the lease comes back.
            final Consumer consumer = queue.consumer();
            final Lease lease = consumer.lease(Duration.ofSeconds(10));
            assertNotNull(lease, "the dead process's lease came back");
            assertEquals(41, CrashChild.seqOf(lease));
            assertEquals(2, lease.deliveryCount());
            assertTrue(lease.ack());
            // And a reaper pass (which needs a row of its own here) works too, reporting what the reclaim did.
            final io.ipcq.ReapResult reaped = queue.reap();
            assertEquals(2, reaped.reclaimedParticipants(), reaped::toString);
            assertEquals(1, reaped.revokedDead(), reaped::toString);
        }
        final IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
            () -> small().participantCapacity(1).build());
        assertTrue(one.getMessage().contains("at least 2"), one::getMessage);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 7: seal has one truth, the lanes' sealed bits
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void aSealCutShortAfterItsFirstLaneIsSealedAndTheReaperFinishesIt() throws Exception
    {
        final Path path = queues.newPath();
        IpcQueue.create(path, small().lanes(2).heartbeatTimeout(Duration.ofMillis(400)).build()).close();
        try (ChildJvm child = ChildJvm.start(CrashPoint.SEAL_AFTER_LANE.name() + ":1", "seal", path.toString()))
        {
            child.awaitLine("SEALING", Duration.ofSeconds(60));
            assertEquals(CrashPoint.HALT_STATUS, child.awaitExit(Duration.ofSeconds(60)), child::log);
        }
        // Manual mode first: what the crash left, before any reaper pass.
        try (IpcQueue queue = IpcQueue.open(path, SystemEpochClock.INSTANCE); Producer producer = queue.producer())
        {
            assertTrue(queue.isSealed(), "the queue reads sealed as soon as lane 0 is");
            assertEquals(SendResult.SEALED, producer.trySend(0, new byte[]{ 1 }));
            assertEquals(0, headerSealedWord(path), "the header's copy is written after every lane");
            queue.reap();
            assertEquals(SendResult.SEALED, producer.trySend(1, new byte[]{ 1 }), "the reaper finished the seal");
            assertEquals(1, headerSealedWord(path));
        }
        // The header's word alone seals nothing: the lanes' bits are the truth.
        final Path other = queues.newPath();
        try (IpcQueue queue = IpcQueue.create(other, small().lanes(2).build(), SystemEpochClock.INSTANCE);
             Producer producer = queue.producer())
        {
            queue.buffer().putIntVolatile(QueueDescriptor.SEALED_OFFSET, 1);
            assertFalse(queue.isSealed());
            assertEquals(SendResult.OK, producer.trySend(1, new byte[]{ 1 }));
            queue.seal();
            assertTrue(queue.isSealed());
            for (int lane = 0; lane < 2; lane++)
            {
                assertNotEquals(0, queue.buffer().getLongVolatile(LaneDescriptor.laneDescriptorOffset(lane) +
                    LaneDescriptor.TAIL_OFFSET) & LaneDescriptor.SEALED_BIT);
            }
        }
    }

    @Test
    void theBackgroundReaperFinishesAHalfDoneSealWithinAPass() throws Exception
    {
        final Path path = queues.newPath();
        IpcQueue.create(path, small().lanes(2).heartbeatTimeout(Duration.ofMillis(400)).build()).close();
        try (ChildJvm child = ChildJvm.start(CrashPoint.SEAL_AFTER_LANE.name() + ":1", "seal", path.toString()))
        {
            assertEquals(CrashPoint.HALT_STATUS, child.awaitExit(Duration.ofSeconds(60)), child::log);
        }
        try (IpcQueue queue = IpcQueue.open(path); Producer producer = queue.producer())
        {
            // Each pass is 100 ms; the election may take one heartbeat timeout: bound the polls, not the time.
            SendResult result = SendResult.OK;
            for (int poll = 0; poll < 600 && result != SendResult.SEALED; poll++)
            {
                Thread.sleep(50);
                result = producer.trySend(1, new byte[]{ 1 });
            }
            assertEquals(SendResult.SEALED, result);
            assertEquals(1, headerSealedWord(path));
        }
    }

    private static int headerSealedWord(final Path path) throws IOException
    {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "r"))
        {
            final ByteBuffer word = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            file.getChannel().read(word, QueueDescriptor.SEALED_OFFSET);
            return word.getInt(0);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Issue 12: zombies are gone; close returns promptly
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void aZombieHoldersLeasesComeBackWithinAReaperPeriod() throws Exception
    {
        final Path path = queues.newPath();
        // Heartbeat timeout 20 s: only the pid check can bring the lease back within the few seconds allowed.
        IpcQueue.create(path, small().heartbeatTimeout(Duration.ofSeconds(20)).leaseTimeout(Duration.ofSeconds(60))
            .build()).close();
        final IpcQueue queue = queues.closeLater(IpcQueue.open(path));
        final Producer producer = queues.closeLater(queue.producer());
        assertEquals(SendResult.OK, producer.trySend(0, CrashChild.payload(7)));

        // The holder's parent is a shell that became `sleep` and never waits for it: killed, it stays a zombie.
        final Process parent = new ProcessBuilder("sh", "-c", "exec 3<&0; " + childCommand("consume",
            path.toString(), "1", "none") + " 0<&3 & echo PID $!; exec sleep 120").start();
        try
        {
            final BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(),
                StandardCharsets.UTF_8));
            final long pid = Long.parseLong(out.readLine().substring("PID ".length()));
            for (String line = out.readLine(); line != null && !line.startsWith("LEASED 7"); line = out.readLine())
            {
                assertFalse(line.startsWith("NOISE") || line.startsWith("ERROR"), line);
            }
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS);
            String state = "";
            for (int poll = 0; poll < 200 && !state.equals("Z"); poll++)
            {
                Thread.sleep(10);
                state = procState(pid);
            }
            assertEquals("Z", state, "the killed holder is a zombie");
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                "the JDK calls a zombie alive: the reason for reading /proc/PID/stat");
            assertFalse(ProcessInfo.isAlive(pid, ProcessInfo.UNKNOWN_START_TIME));

            // One reaper period is 1 s here (a quarter of the timeout, at most 1 s): allow a few, far below 20 s.
            try (Consumer consumer = queue.consumer())
            {
                final Lease lease = consumer.lease(Duration.ofSeconds(6));
                assertNotNull(lease, "the zombie's lease came back within a few reaper periods");
                assertEquals(7, CrashChild.seqOf(lease));
                assertTrue(lease.ack());
            }
        }
        finally
        {
            parent.descendants().forEach(ProcessHandle::destroyForcibly);
            parent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void closeDoesNotWaitForTheAgentsSleep() throws InterruptedException
    {
        // Heartbeat timeout 10 s: the agent beats every second and parks half a second between duty cycles.
        final long[] closeNs = new long[5];
        for (int i = 0; i < closeNs.length; i++)
        {
            final IpcQueue queue = IpcQueue.create(queues.newPath(), small().build());
            queue.producer();
            Thread.sleep(100);
            final long start = System.nanoTime();
            queue.close();
            closeNs[i] = System.nanoTime() - start;
        }
        Arrays.sort(closeNs);
        assertTrue(closeNs[2] < TimeUnit.MILLISECONDS.toNanos(150),
            "median close " + closeNs[2] / 1_000_000 + " ms: " + Arrays.toString(closeNs));
    }

    private static String procState(final long pid) throws IOException
    {
        final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[0];
    }

    private static String childCommand(final String... args)
    {
        final List<String> command = JavaCommand.of(CrashChild.class)
            .flags("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx96m")
            .property(CrashPoint.PROPERTY, null)
            .args(args)
            .build();
        final StringBuilder line = new StringBuilder();
        for (final String part : command)
        {
            line.append('\'').append(part.replace("'", "'\\''")).append("' ");
        }
        return line.toString();
    }
}
