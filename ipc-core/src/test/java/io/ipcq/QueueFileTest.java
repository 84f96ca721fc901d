package io.ipcq;

import io.ipcq.layout.SlotDescriptor;
import io.ipcq.read.QueueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.ipcq.DeliverySemanticsTest.text;
import static io.ipcq.DeliverySemanticsTest.utf8;
import static io.ipcq.layout.QueueDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The queue file: atomic creation, file mode, and validation on open. Every bad file must be refused with a
 * {@link QueueException} (a {@link CorruptQueueException} when the file is there but wrong) whose message is one line
 * naming what is wrong, never with an IndexOutOfBoundsException or a crash.
 */
class QueueFileTest
{
    private static final Path SHM = Path.of("/dev/shm");
    private static final QueueConfig CONFIG = QueueConfig.builder()
        .lanes(2).capacity(8).maxPayloadLength(64).participantCapacity(16).deadLetterCapacity(4).build();
    private static final Geometry GEOMETRY = CONFIG.geometry();

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    private final List<Path> directories = new ArrayList<>();

    @AfterEach
    void deleteDirectories() throws IOException
    {
        for (final Path dir : directories)
        {
            if (Files.exists(dir))
            {
                try (Stream<Path> walk = Files.walk(dir))
                {
                    for (final Path path : walk.sorted(Comparator.reverseOrder()).toList())
                    {
                        Files.deleteIfExists(path);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Create
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void create_refusesAnExistingPathUnlessForced() throws IOException
    {
        final Path path = queues.newPath();
        IpcQueue.create(path, CONFIG).close();

        final QueueException refused = assertThrows(QueueException.class,
            () -> IpcQueue.create(path, QueueConfig.builder().capacity(16).build()));
        assertOneLine(refused, "already exists");
        try (IpcQueue queue = IpcQueue.open(path))
        {
            assertEquals(8, queue.capacity(), "the existing queue is untouched");
        }

        IpcQueue.create(path, QueueConfig.builder().capacity(16).force(true).build()).close();
        try (IpcQueue queue = IpcQueue.open(path))
        {
            assertEquals(16, queue.capacity(), "forced: replaced");
        }

        final Path notAQueue = queues.newPath();
        Files.writeString(notAQueue, "precious");
        assertOneLine(assertThrows(QueueException.class, () -> IpcQueue.create(notAQueue, CONFIG)), "already exists");
        assertEquals("precious", Files.readString(notAQueue));
    }

    @Test
    void create_isAtomic_aWatcherNeverSeesItHalfMade() throws Exception
    {
        // Large enough that filling one takes a while: a create in place would be seen half-made.
        final QueueConfig big = QueueConfig.builder().capacity(8192).maxPayloadLength(4000).build();
        final List<Path> paths = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            paths.add(queues.newPath());
        }
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger opened = new AtomicInteger();
        final ConcurrentLinkedQueue<Throwable> seen = new ConcurrentLinkedQueue<>();
        final CountDownLatch started = new CountDownLatch(1);
        final Thread watcher = new Thread(() ->
        {
            started.countDown();
            for (final Path path : paths)
            {
                // Poll the next path until it appears, then open it at once.
                while (!stop.get() && !Files.exists(path))
                {
                    Thread.onSpinWait();
                }
                if (stop.get())
                {
                    return;
                }
                try (IpcQueue queue = IpcQueue.open(path))
                {
                    assertEquals(8192, queue.capacity());
                    opened.incrementAndGet();
                }
                catch (final Throwable t)
                {
                    seen.add(t);
                }
            }
        }, "create-watcher");
        watcher.start();
        try
        {
            started.await();
            for (final Path path : paths)
            {
                IpcQueue.create(path, big).close();
            }
            watcher.join(TimeUnit.SECONDS.toMillis(60));
        }
        finally
        {
            stop.set(true);
            watcher.join(TimeUnit.SECONDS.toMillis(60));
        }
        assertFalse(watcher.isAlive());
        if (!seen.isEmpty())
        {
            final AssertionError failure = new AssertionError("the watcher saw a half-made queue");
            seen.forEach(failure::addSuppressed);
            throw failure;
        }
        assertEquals(paths.size(), opened.get(), "the watcher opened every finished queue");
        for (final Path path : paths)
        {
            assertTrue(IpcQueue.delete(path));
        }
    }

    @Test
    void create_concurrentCreatorsExactlyOneWins() throws Exception
    {
        final Path dir = newDirectory();
        for (int round = 0; round < 10; round++)
        {
            final Path path = dir.resolve("q" + round);
            final AtomicInteger won = new AtomicInteger();
            final ConcurrentLinkedQueue<Throwable> lost = new ConcurrentLinkedQueue<>();
            final CountDownLatch go = new CountDownLatch(1);
            final List<Thread> creators = new ArrayList<>();
            for (int c = 0; c < 2; c++)
            {
                creators.add(new Thread(() ->
                {
                    try
                    {
                        go.await();
                        IpcQueue.create(path, CONFIG).close();
                        won.incrementAndGet();
                    }
                    catch (final Throwable t)
                    {
                        lost.add(t);
                    }
                }, "creator-" + c));
            }
            creators.forEach(Thread::start);
            go.countDown();
            for (final Thread creator : creators)
            {
                creator.join(TimeUnit.SECONDS.toMillis(60));
                assertFalse(creator.isAlive());
            }
            assertEquals(1, won.get(), "round " + round + ": " + lost);
            assertEquals(1, lost.size());
            final Throwable loser = lost.peek();
            assertInstanceOf(QueueException.class, loser);
            assertOneLine(loser, "already exists");
            IpcQueue.open(path).close();
        }
        assertEquals(List.of(), temporaryFiles(dir));
    }

    @Test
    void create_leavesNoTemporaryFileBehind_onSuccessOrFailure() throws IOException
    {
        final Path dir = newDirectory();
        final Path path = dir.resolve("queue");
        IpcQueue.create(path, CONFIG).close();
        assertEquals(List.of(path), list(dir));

        // Fails after the temporary file was made and filled: the target is a non-empty directory.
        final Path occupied = dir.resolve("occupied");
        Files.createDirectory(occupied);
        Files.writeString(occupied.resolve("keep"), "x");
        final QueueException ex = assertThrows(QueueException.class,
            () -> IpcQueue.create(occupied, QueueConfig.builder().capacity(8).force(true).build()));
        assertOneLine(ex, "cannot create");
        assertEquals(List.of(), temporaryFiles(dir));
        assertTrue(Files.exists(occupied.resolve("keep")));

        assertOneLine(assertThrows(QueueException.class, () -> IpcQueue.create(occupied, CONFIG)), "already exists");
        assertOneLine(assertThrows(QueueException.class, () -> IpcQueue.create(dir.resolve("no/such/dir/q"), CONFIG)),
            "does not exist");
        assertEquals(List.of(), temporaryFiles(dir));
    }

    @Test
    void fileMode_0600ByDefault() throws IOException
    {
        final Path path = queues.newPath();
        IpcQueue.create(path, CONFIG).close();
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(path));
    }

    @Test
    void fileMode_0660WhenGroupShared() throws IOException
    {
        final Path path = queues.newPath();
        IpcQueue.create(path, QueueConfig.builder().capacity(8).groupShared(true).build()).close();
        final java.util.Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path);
        assertEquals(PosixFilePermissions.fromString("rw-rw----"), mode);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Open: files that are not queues
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void open_rejectsMissingFile()
    {
        final Path path = queues.newPath();
        final Throwable thrown = openFailure(path);
        assertInstanceOf(QueueException.class, thrown);
        assertOneLine(thrown, "does not exist");
        assertFalse(Files.exists(path), "open never creates");
    }

    @Test
    void open_rejectsRandomBytes() throws IOException
    {
        final Path path = queues.newPath();
        final byte[] junk = new byte[(int)GEOMETRY.fileLength()];
        new Random(42).nextBytes(junk);
        Files.write(path, junk);
        assertCorrupt(path, "not an ipcq queue", "magic");
    }

    @Test
    void open_rejectsShortAndEmptyFilesAndDirectories() throws IOException
    {
        final Path path = queues.newPath();
        Files.write(path, "IPCQFILE".getBytes(StandardCharsets.US_ASCII));
        assertCorrupt(path, "not a queue", "shorter");
        Files.write(path, new byte[0]);
        assertCorrupt(path, "not a queue", "0 bytes");
        Files.delete(path);
        final Path dir = newDirectory();
        assertCorrupt(dir, "not a regular file");
    }

    @Test
    void open_rejectsWrongMagic() throws IOException
    {
        final Path path = createQueue();
        writeLong(path, MAGIC_OFFSET, 0x454C494651435050L);
        assertCorrupt(path, "not an ipcq queue", "magic");
    }

    @Test
    void open_rejectsLayoutVersion0() throws IOException
    {
        final Path path = createQueue();
        writeInt(path, LAYOUT_VERSION_OFFSET, 0);
        assertCorrupt(path, "not ready", "version");
    }

    @Test
    void open_rejectsANewerLayoutVersion() throws IOException
    {
        final Path path = createQueue();
        writeInt(path, LAYOUT_VERSION_OFFSET, LAYOUT_VERSION + 1);
        assertCorrupt(path, "layout version " + (LAYOUT_VERSION + 1), "version " + LAYOUT_VERSION);
    }

    @Test
    void open_rejectsTruncatedFile() throws IOException
    {
        final Path path = createQueue();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.truncate(GEOMETRY.fileLength() - 4096);
        }
        assertCorrupt(path, "truncated", String.valueOf(GEOMETRY.fileLength()));
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.truncate(2048);
        }
        assertCorrupt(path, "truncated");
    }

    @Test
    void open_rejectsAFileLongerThanItsHeaderSays() throws IOException
    {
        final Path path = createQueue();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.wrap(new byte[]{ 1 }), GEOMETRY.fileLength() + 4095);
        }
        assertCorrupt(path, "corrupt length");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Open: corrupt header words
    // ---------------------------------------------------------------------------------------------------------

    static Stream<Arguments> corruptHeaderWords()
    {
        final long fileLength = GEOMETRY.fileLength();
        return Stream.of(
            word("header length", HEADER_LENGTH_OFFSET, 512, "header length"),
            word("lanes 0", LANES_OFFSET, 0, "lanes"),
            word("lanes 17", LANES_OFFSET, MAX_LANES + 1, "lanes"),
            word("lanes -1", LANES_OFFSET, -1, "lanes"),
            word("lanes 3 (possible, but not this file)", LANES_OFFSET, 3, "corrupt"),
            word("capacity not a power of two", LANE_CAPACITY_OFFSET, 12, "capacity", "power of two"),
            word("capacity 0", LANE_CAPACITY_OFFSET, 0, "capacity", "power of two"),
            word("capacity negative", LANE_CAPACITY_OFFSET, Integer.MIN_VALUE, "capacity", "power of two"),
            word("capacity larger", LANE_CAPACITY_OFFSET, 16, "corrupt"),
            word("capacity huge", LANE_CAPACITY_OFFSET, 1 << 30, "capacity"),
            word("slot length off by a cache line", SLOT_LENGTH_OFFSET, GEOMETRY.slotLength() + 64, "slot length"),
            word("slot length 0", SLOT_LENGTH_OFFSET, 0, "slot length"),
            word("max payload 0", MAX_PAYLOAD_LENGTH_OFFSET, 0, "max payload length"),
            word("max payload negative", MAX_PAYLOAD_LENGTH_OFFSET, -64, "max payload length"),
            word("max payload larger", MAX_PAYLOAD_LENGTH_OFFSET, 4096, "corrupt"),
            word("participant capacity 0", PARTICIPANT_CAPACITY_OFFSET, 0, "participant capacity"),
            word("participant capacity larger", PARTICIPANT_CAPACITY_OFFSET, 1 << 16, "corrupt"),
            word("dead-letter capacity not a power of two", DEAD_LETTER_CAPACITY_OFFSET, 5, "dead-letter capacity"),
            word("dead-letter capacity larger", DEAD_LETTER_CAPACITY_OFFSET, 1 << 20, "corrupt"),
            longWord("file length larger", FILE_LENGTH_OFFSET, fileLength + 4096, "truncated"),
            longWord("file length smaller", FILE_LENGTH_OFFSET, fileLength - 4096, "corrupt length"),
            longWord("file length negative", FILE_LENGTH_OFFSET, -1, "corrupt length"),
            longWord("lane table offset", LANE_TABLE_OFFSET_OFFSET, LANE_TABLE_OFFSET + 128, "lane table offset"),
            longWord("participant table offset", PARTICIPANT_TABLE_OFFSET_OFFSET,
                GEOMETRY.participantTableOffset() - 128, "participant table offset"),
            longWord("rings offset", RINGS_OFFSET_OFFSET, GEOMETRY.ringsOffset() + fileLength, "rings offset"),
            longWord("dead-letter ring offset", DEAD_LETTER_RING_OFFSET_OFFSET, -4096, "dead-letter ring offset"),
            word("max deliveries 0", MAX_DELIVERIES_OFFSET, 0, "max deliveries"),
            word("max deliveries negative", MAX_DELIVERIES_OFFSET, -5, "max deliveries"),
            longWord("lease timeout 0", LEASE_TIMEOUT_MS_OFFSET, 0, "lease timeout"),
            longWord("heartbeat timeout negative", HEARTBEAT_TIMEOUT_MS_OFFSET, -1, "heartbeat timeout"),
            word("sealed word", SEALED_OFFSET, 7, "sealed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptHeaderWords")
    void open_rejectsCorruptHeaderWord(
        final String name, final int offset, final boolean isLong, final long value, final String[] keywords)
        throws IOException
    {
        final Path path = createQueue();
        if (isLong)
        {
            writeLong(path, offset, value);
        }
        else
        {
            writeInt(path, offset, (int)value);
        }
        assertCorrupt(path, keywords);
    }

    /**
     * Every 4-byte word of the first 128 header bytes, and the sealed word, set to awkward values: open either refuses
     * the file with a QueueException or the queue works (send, lease, ack, sweep, stats). Nothing else may escape.
     */
    @Test
    void open_anyCorruptHeaderWordIsRefusedOrHarmless() throws IOException
    {
        final int[] values = { 0, 1, -1, 2, 3, 64, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x0001_0000 };
        final List<String> failures = new ArrayList<>();
        int refused = 0;
        int harmless = 0;
        final Path pristine = createQueue();
        final byte[] original = Files.readAllBytes(pristine);
        final List<Integer> offsets = new ArrayList<>();
        for (int offset = 0; offset < 128; offset += 4)
        {
            offsets.add(offset);
        }
        offsets.add(SEALED_OFFSET);
        for (final int offset : offsets)
        {
            for (final int value : values)
            {
                Files.write(pristine, original);
                writeInt(pristine, offset, value);
                IpcQueue queue = null;
                try
                {
                    queue = IpcQueue.open(pristine);
                    exercise(queue);
                    harmless++;
                }
                catch (final QueueException ex)
                {
                    refused++;
                    if (ex.getMessage() == null || ex.getMessage().contains("\n"))
                    {
                        failures.add("offset " + offset + " value " + value + ": message not one line: " + ex);
                    }
                }
                catch (final Throwable t)
                {
                    failures.add("offset " + offset + " value " + value + ": " + t);
                }
                finally
                {
                    if (queue != null)
                    {
                        queue.close();
                    }
                }
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(refused > 100 && harmless > 10, "refused " + refused + ", harmless " + harmless);
    }

    /**
     * Every 8-byte word of a participant row in use (a consumer of a process that is gone, holding a lease), set to
     * awkward values: open, the reaper (the background agent's and an explicit pass) and the exercise either refuse
     * with a QueueException or work, and the leased message is never lost (it is delivered, or still in the file).
     * The lane table's words: {@link #open_anyCorruptLaneWordIsRefusedOrHarmless_withinATimeLimit}.
     */
    @Test
    void open_anyCorruptParticipantRowWordIsRefusedOrHarmless() throws IOException
    {
        final long[] values = { 0, 1, -1, 2, 3, 4, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, 0x0001_0000 };
        final Path pristine = queues.newPath();
        final byte[] original;
        try (IpcQueue queue = IpcQueue.create(pristine, CONFIG, org.agrona.concurrent.SystemEpochClock.INSTANCE))
        {
            final Producer producer = queue.producer();
            final Consumer consumer = queue.consumer();
            assertEquals(SendResult.OK, producer.trySend(0, utf8("kept")));
            assertNotNull(consumer.tryLease());
            original = Files.readAllBytes(pristine);
        }
        final int row = (int)(GEOMETRY.participantTableOffset() + io.ipcq.layout.ParticipantDescriptor.PARTICIPANT_LENGTH);
        // The consumer's process is gone: a pid nobody has.
        ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN)
            .putLong(row + io.ipcq.layout.ParticipantDescriptor.PID_OFFSET, Integer.MAX_VALUE);
        final List<String> failures = new ArrayList<>();
        int refused = 0;
        int harmless = 0;
        for (int offset = row; offset < row + io.ipcq.layout.ParticipantDescriptor.PARTICIPANT_LENGTH; offset += 8)
        {
            for (final long value : values)
            {
                Files.write(pristine, original);
                writeLong(pristine, offset, value);
                try (IpcQueue queue = IpcQueue.open(pristine))
                {
                    queue.reap();
                    boolean kept = false;
                    try (Consumer consumer = queue.consumer())
                    {
                        for (Lease lease = consumer.tryLease(); lease != null; lease = consumer.tryLease())
                        {
                            kept |= "kept".equals(text(lease));
                            lease.ack();
                        }
                    }
                    // Not lost: redelivered, or still leased by a row the corrupt word no longer lets the reaper
                    // judge (it then expires at its deadline).
                    assertTrue(kept || queue.stats().leased() == 1, "the leased message is delivered or kept");
                    exercise(queue);
                    harmless++;
                }
                catch (final QueueException ex)
                {
                    refused++;
                    if (ex.getMessage() == null || ex.getMessage().contains("\n"))
                    {
                        failures.add("offset " + offset + " value " + value + ": message not one line: " + ex);
                    }
                }
                catch (final Throwable t)
                {
                    failures.add("offset " + offset + " value " + value + ": " + t);
                }
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(harmless > 0, "refused " + refused + ", harmless " + harmless);
    }

    /**
     * Every word of every lane entry (tail, lease cursor, head hint, requeue count, full epoch) of both lanes and of the
     * dead-letter ring, in a queue holding ready messages (lane 0), an acked one (lane 1) and a dead letter, set to the boundary values of
     * issue 11 (0, -1, 2^63, 2^63-1, capacity, capacity+1) and two random values: open, a reaper pass, draining the
     * lanes and the dead-letter ring, and the exercise each either refuse with a one-line QueueException or work, and
     * each returns within {@link #LANE_WORD_LIMIT} (every loop over positions is bounded by a lap: docs/protocol.md
     * "Impossible words"), so a regression fails here instead of hanging the test JVM.
     */
    @Test
    void open_anyCorruptLaneWordIsRefusedOrHarmless_withinATimeLimit() throws IOException
    {
        final QueueConfig config = QueueConfig.builder().lanes(2).capacity(8).maxPayloadLength(64)
            .participantCapacity(16).deadLetterCapacity(4).maxDeliveries(1).build();
        final long capacity = config.capacity();
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        final long[] values = { 0, -1, Long.MIN_VALUE, Long.MAX_VALUE, capacity, capacity + 1, random.nextLong(),
            random.nextInt((int)capacity * 4) };
        final Path pristine = queues.newPath();
        try (IpcQueue queue = IpcQueue.create(pristine, config, org.agrona.concurrent.SystemEpochClock.INSTANCE);
            Producer producer = queue.producer();
            Consumer consumer = queue.consumer())
        {
            for (final String payload : List.of("a", "b", "c"))
            {
                assertEquals(SendResult.OK, producer.trySend(0, utf8(payload)));
            }
            assertEquals(SendResult.OK, producer.trySend(1, utf8("d")));
            final Lease first = consumer.tryLease();                        // lane 1 first
            assertEquals("d", text(first));
            first.ack();
            final Lease last = consumer.tryLease();                         // "a": its one delivery, released
            assertEquals("a", text(last));
            last.release();
            queue.sweep();
            assertEquals(1, queue.stats().deadLettered(), "a dead letter in the file");
        }
        final byte[] original = Files.readAllBytes(pristine);
        final int[] words = { io.ipcq.layout.LaneDescriptor.TAIL_OFFSET,
            io.ipcq.layout.LaneDescriptor.LEASE_CURSOR_OFFSET, io.ipcq.layout.LaneDescriptor.HEAD_OFFSET,
            io.ipcq.layout.LaneDescriptor.REQUEUE_COUNT_OFFSET, io.ipcq.layout.LaneDescriptor.FULL_EPOCH_OFFSET };
        final List<String> failures = new ArrayList<>();
        int refused = 0;
        int harmless = 0;
        for (int ring = 0; ring <= config.lanes(); ring++)                  // ring == lanes: the dead-letter ring
        {
            for (final int word : words)
            {
                final long offset = io.ipcq.layout.LaneDescriptor.laneDescriptorOffset(ring) + word;
                for (final long value : values)
                {
                    final String where = "ring " + ring + " word +" + word + " = " + value + " (seed " + seed + ")";
                    Files.write(pristine, original);
                    writeLong(pristine, offset, value);
                    IpcQueue queue = null;
                    try
                    {
                        queue = bounded(where + ", open", () -> IpcQueue.open(pristine));
                        final IpcQueue opened = queue;
                        bounded(where + ", reap", opened::reap);
                        bounded(where + ", drain", () -> drain(opened.consumer(), 4 * capacity));
                        bounded(where + ", drain dead letters", () -> drain(opened.deadLetterConsumer(),
                            4 * capacity));
                        bounded(where + ", exercise", () ->
                        {
                            exerciseKeeping(opened);
                            return null;
                        });
                        harmless++;
                    }
                    catch (final QueueException ex)
                    {
                        refused++;
                        if (ex.getMessage() == null || ex.getMessage().contains("\n"))
                        {
                            failures.add(where + ": message not one line: " + ex);
                        }
                    }
                    catch (final Throwable t)
                    {
                        failures.add(where + ": " + t);
                    }
                    finally
                    {
                        if (queue != null)
                        {
                            final IpcQueue opened = queue;
                            try
                            {
                                bounded(where + ", close", () ->
                                {
                                    opened.close();
                                    return null;
                                });
                            }
                            catch (final QueueException ignore)
                            {
                                // closing a queue found corrupt may say so again
                            }
                            catch (final Throwable t)
                            {
                                failures.add(where + ", close: " + t);
                            }
                        }
                    }
                }
            }
        }
        System.out.println("[lane-word fuzz] " + (refused + harmless + failures.size()) + " files (seed " + seed +
            "): refused " + refused + ", harmless " + harmless + ", failed " + failures.size());
        assertEquals(List.of(), failures);
        assertTrue(refused > 0 && harmless > 0, "refused " + refused + ", harmless " + harmless);
    }

    /** The bound on each call of {@link #open_anyCorruptLaneWordIsRefusedOrHarmless_withinATimeLimit}. */
    private static final Duration LANE_WORD_LIMIT = Duration.ofSeconds(10);

    private static <T> T bounded(final String what, final org.junit.jupiter.api.function.ThrowingSupplier<T> call)
    {
        return assertTimeoutPreemptively(LANE_WORD_LIMIT, call, what);
    }

    /**
     * {@link #exercise} for a queue whose lane words may be corrupt: a message sent is delivered at once, or kept in
     * the file (a tail moved past positions never claimed leaves holes the reaper tombstones only after a heartbeat
     * timeout, protocol.md row #13; the message waits behind them, it is not lost).
     */
    private static void exerciseKeeping(final IpcQueue queue)
    {
        queue.stats();
        try (Producer producer = queue.producer(); Consumer consumer = queue.consumer())
        {
            final SendResult sent = producer.trySend(0, utf8("probe"));
            final Lease lease = consumer.tryLease();
            if (lease != null)
            {
                lease.extend(Duration.ofSeconds(1));
                lease.ack();
            }
            else if (sent == SendResult.OK)
            {
                assertTrue(queue.stats().ready() >= 1, "sent, not delivered, and not kept either");
            }
            queue.sweep();
            queue.stats();
        }
    }

    /** Leases and acks up to {@code limit} messages (a corrupt word may make a ring look longer than it is). */
    private static int drain(final Consumer consumer, final long limit)
    {
        int drained = 0;
        try (consumer)
        {
            for (Lease lease = consumer.tryLease(); lease != null && drained < limit; lease = consumer.tryLease())
            {
                lease.ack();
                drained++;
            }
        }
        return drained;
    }

    /**
     * A file truncated, at every kind of size, under a live queue holding a producer, a consumer and a lease: the
     * next look at the file (an agent pass, here the sweep) finds it, every later call throws a QueueException that
     * says so, and closing touches nothing (no SIGBUS). Manual mode, so that no agent thread writes behind the test's
     * back; {@code HardeningTest} has the agent's own check, in a child JVM.
     */
    @Test
    void truncatedUnderALiveQueue_everyCallFailsWithOneLine_noCrash() throws IOException
    {
        final Path path = queues.newPath();
        final long length = GEOMETRY.fileLength();
        for (final long size : new long[]{ 0, 8, HEADER_LENGTH, 4096, GEOMETRY.ringsOffset(),
            GEOMETRY.ringsOffset() + 64, length - 4096, length - 1 })
        {
            final IpcQueue queue = IpcQueue.create(path, QueueConfig.builder().capacity(CONFIG.capacity())
                .maxPayloadLength(CONFIG.maxPayloadLength()).force(true).build(),
                org.agrona.concurrent.SystemEpochClock.INSTANCE);
            final Producer producer = queue.producer();
            final Consumer consumer = queue.consumer();
            assertEquals(SendResult.OK, producer.trySend(0, utf8("x")));
            final Lease lease = consumer.tryLease();
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
            {
                channel.truncate(size);
            }
            final List<Throwable> thrown = new ArrayList<>();
            for (final Runnable call : List.<Runnable>of(queue::sweep, () -> producer.trySend(0, utf8("y")),
                consumer::tryLease, lease::ack, queue::reap, queue::seal, queue::consumer, queue::stats))
            {
                try
                {
                    call.run();
                    fail("size " + size + ": a call on a truncated file returned");
                }
                catch (final QueueException ex)
                {
                    thrown.add(ex);
                }
            }
            for (final Throwable ex : thrown)
            {
                assertOneLine(ex, "truncated to " + size + " bytes while mapped");
            }
            consumer.close();
            producer.close();
            queue.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Corrupt slot
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void corruptPayloadLength_leaseThrowsCorruptQueueException_messageNotLost() throws IOException
    {
        final IpcQueue queue = queues.create(CONFIG);
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        producer.trySend(1, utf8("good before"));
        assertTrue(consumer.tryLease().ack());
        producer.trySend(1, utf8("to be corrupted"));                // position 1 of lane 1
        final QueueLayout layout = new QueueLayout(GEOMETRY);
        final long slot = layout.slotOffset(1, layout.slotIndex(1, 1));
        writeInt(queue.path(), slot + SlotDescriptor.PAYLOAD_LENGTH_OFFSET, 1 << 30);

        final Lease lease = consumer.tryLease();
        assertNotNull(lease);
        final long id = lease.id();
        assertEquals(1, lease.deliveryCount());
        assertOneLine(assertThrows(CorruptQueueException.class, lease::length), "payload length", "1073741824");
        assertThrows(CorruptQueueException.class, lease::payload);
        lease.close();                                            // puts it back
        assertEquals(0, consumer.heldLeases());
        assertEquals(1, queue.stats().lanes().get(1).invalid(), "an impossible length is counted invalid");
        assertEquals(0, queue.stats().redelivery(), "and not under its state");

        producer.trySend(1, utf8("good after"));
        final Lease again = consumer.tryLease();
        assertEquals(id, again.id(), "not lost: delivered again");
        assertEquals(2, again.deliveryCount());
        assertThrows(CorruptQueueException.class, again::length);
        final Lease good = consumer.tryLease();
        assertEquals("good after", text(good), "the queue stays usable");
        assertTrue(good.ack());
        assertTrue(again.release());

        writeInt(queue.path(), slot + SlotDescriptor.PAYLOAD_LENGTH_OFFSET, -1);
        final Lease negative = consumer.tryLease();
        assertEquals(id, negative.id());
        assertOneLine(assertThrows(CorruptQueueException.class, negative::length), "payload length", "-1");
        assertTrue(negative.ack(), "a corrupt message can still be acked away");
        assertNull(consumer.tryLease());
        assertEquals(queue.capacity() * queue.lanes(), queue.stats().free());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Full file system
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void fullFileSystem_createFailsWithCannotAllocateAndLeavesNoFile() throws IOException
    {
        final long usable = Files.getFileStore(SHM).getUsableSpace();
        final int capacity = 1024;
        final int payload = (int)Math.min(MAX_PAYLOAD_LENGTH, usable / capacity + 65_536);
        final Geometry geometry = new Geometry(1, capacity, payload, 16, 2);
        assumeTrue(geometry.fileLength() > usable && geometry.fileLength() <= MAX_FILE_LENGTH,
            "/dev/shm has " + usable + " bytes usable: a queue larger than that does not fit one mapping");

        final Path dir = newDirectory();
        final Path path = dir.resolve("too-big");
        final QueueConfig config = QueueConfig.builder().capacity(capacity).maxPayloadLength(payload)
            .participantCapacity(16).deadLetterCapacity(2).build();
        final Throwable thrown = assertThrows(QueueException.class, () -> IpcQueue.create(path, config));
        assertOneLine(thrown, "cannot allocate");
        assertEquals(List.of(), list(dir), "no file and no temporary file left");
    }

    @Test
    void fullFileSystem_queueLargerThanShmIsRefusedByQueueConfig() throws IOException
    {
        final long usable = Files.getFileStore(SHM).getUsableSpace();
        assumeTrue(usable >= MAX_FILE_LENGTH - (64L << 20),
            "/dev/shm has " + usable + " bytes usable: the create branch runs instead");
        // The smallest geometry larger than /dev/shm: 1 MiB slots, enough of them.
        final int payload = 1 << 20;
        final long slots = usable / SlotDescriptor.slotLength(payload) + 1;
        final int capacity = (int)Math.min(MAX_CAPACITY, Long.highestOneBit(slots - 1) << 1);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> QueueConfig.builder().capacity(capacity).maxPayloadLength(payload).deadLetterCapacity(2).build());
        assertOneLine(ex, "queue would need", "fit one mapping");
        assertEquals(List.of(), temporaryFiles(SHM));
    }

    /**
     * A real "no space" failure, whatever the size of /dev/shm: a child JVM whose file-size limit (ulimit -f) is
     * smaller than the queue. write(2) fails with EFBIG (the JVM ignores SIGXFSZ), as it would with ENOSPC.
     */
    @Test
    void fullFileSystem_childWithFileSizeLimit_createFailsWithCannotAllocateAndLeavesNoFile() throws Exception
    {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash for ulimit");
        final Path dir = newDirectory();
        final Path path = dir.resolve("limited");
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData"));
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (argument.startsWith("--add-") || argument.startsWith("--sun-misc") || argument.startsWith("--enable-"))
            {
                command.add(argument);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(CreateInChild.class.getName());
        command.add(path.toString());
        final StringBuilder script = new StringBuilder("ulimit -f 8192 && exec");     // 8 MiB; the queue is 32 MiB
        for (final String part : command)
        {
            script.append(" '").append(part.replace("'", "'\\''")).append('\'');
        }
        final Process child = new ProcessBuilder("/bin/bash", "-c", script.toString()).redirectErrorStream(true).start();
        final String output;
        try
        {
            output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child did not finish");
        }
        finally
        {
            child.destroyForcibly();
        }
        assertEquals(3, child.exitValue(), output);
        assertTrue(output.contains("QueueException") && output.contains("cannot allocate"), output);
        assertEquals(List.of(), list(dir), "no file and no temporary file left: " + output);
    }

    /**
     * Child JVM of {@link #fullFileSystem_childWithFileSizeLimit_createFailsWithCannotAllocateAndLeavesNoFile}.
     */
    public static final class CreateInChild
    {
        public static void main(final String[] args)
        {
            try
            {
                IpcQueue.create(Path.of(args[0]),
                    QueueConfig.builder().capacity(8192).maxPayloadLength(4000).build()).close();
                System.out.println("created");
                System.exit(0);
            }
            catch (final QueueException ex)
            {
                System.out.println(ex.getClass().getSimpleName() + ": " + ex.getMessage());
                System.exit(3);
            }
            catch (final Throwable t)
            {
                t.printStackTrace(System.out);
                System.exit(4);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private static void exercise(final IpcQueue queue)
    {
        queue.stats();
        try (Producer producer = queue.producer(); Consumer consumer = queue.consumer())
        {
            final String probe = "probe".substring(0, Math.min(5, queue.maxPayloadLength()));
            final SendResult sent = producer.trySend(0, utf8(probe));
            final Lease lease = consumer.tryLease();
            if (sent == SendResult.OK)
            {
                assertNotNull(lease);
                assertEquals(probe, text(lease));
                lease.extend(Duration.ofSeconds(1));
                lease.ack();
            }
            queue.sweep();
            queue.stats();
        }
    }

    private Path createQueue()
    {
        final Path path = queues.newPath();
        IpcQueue.create(path, CONFIG).close();
        return path;
    }

    private Path newDirectory() throws IOException
    {
        final Path dir = Files.createTempDirectory(Files.isDirectory(SHM) ? SHM : Path.of(
            System.getProperty("java.io.tmpdir")), "ipcq-filetest-");
        directories.add(dir);
        return dir;
    }

    private static List<Path> list(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.sorted().toList();
        }
    }

    private static List<Path> temporaryFiles(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            final String pid = "creating-" + ProcessHandle.current().pid() + "-";
            return files.filter(p -> p.getFileName().toString().contains(pid)).toList();
        }
    }

    private static Throwable openFailure(final Path path)
    {
        try
        {
            IpcQueue.open(path).close();
        }
        catch (final Throwable t)
        {
            return t;
        }
        return fail("opened " + path);
    }

    private static void assertCorrupt(final Path path, final String... keywords)
    {
        final Throwable thrown = openFailure(path);
        if (!(thrown instanceof CorruptQueueException))
        {
            throw new AssertionError("expected CorruptQueueException, got " + thrown, thrown);
        }
        assertOneLine(thrown, keywords);
    }

    private static void assertOneLine(final Throwable thrown, final String... keywords)
    {
        final String message = thrown.getMessage();
        assertNotNull(message, thrown.toString());
        assertFalse(message.contains("\n"), "one line: " + message);
        for (final String keyword : keywords)
        {
            assertTrue(message.toLowerCase(Locale.ROOT).contains(keyword.toLowerCase(Locale.ROOT)),
                "'" + keyword + "' in: " + message);
        }
    }

    private static Arguments word(final String name, final int offset, final long value, final String... keywords)
    {
        return Arguments.of(name, offset, false, value, keywords);
    }

    private static Arguments longWord(final String name, final int offset, final long value, final String... keywords)
    {
        return Arguments.of(name, offset, true, value, keywords);
    }

    static void writeInt(final Path path, final long offset, final int value) throws IOException
    {
        write(path, offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value));
    }

    static void writeLong(final Path path, final long offset, final long value) throws IOException
    {
        write(path, offset, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value));
    }

    private static void write(final Path path, final long offset, final ByteBuffer bytes) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            while (bytes.hasRemaining())
            {
                channel.write(bytes, offset + bytes.position());
            }
        }
    }
}
