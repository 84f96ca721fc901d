package io.ipcq.bridge;

import io.ipcq.BridgeCounters;
import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.SendResult;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.api.StreamInfo;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the bridge tests share: queue files under /dev/shm (removed after), checksummed messages, a drainer of the
 * receiving queue that counts every id it sees, bridges on threads of this JVM, and what the server says about a
 * stream.
 */
final class BridgeTestSupport
{
    static final int MESSAGE_LENGTH = 48;

    private BridgeTestSupport() {}

    static Path queuePath(final String name)
    {
        return Path.of("/dev/shm", "ipcq-bridge-" + name + "-" + ProcessHandle.current().pid() + "-" +
            System.nanoTime());
    }

    static Path storeDir(final String name)
    {
        return Path.of("target", "nats", name + "-" + System.nanoTime()).toAbsolutePath();
    }

    static IpcQueue create(final Path path, final int lanes, final int capacity, final Duration heartbeatTimeout)
    {
        return IpcQueue.create(path, QueueConfig.builder().lanes(lanes).capacity(capacity)
            .maxPayloadLength(128).maxDeliveries(1_000).leaseTimeout(Duration.ofSeconds(5))
            .heartbeatTimeout(heartbeatTimeout).build());
    }

    static void delete(final Path path)
    {
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
    }

    /**
     * @return a message that names its lane and sequence and ends with a CRC32 of everything before it.
     */
    static byte[] message(final int lane, final long seq)
    {
        final ByteBuffer bytes = ByteBuffer.allocate(MESSAGE_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(lane).putLong(seq);
        long filler = seq * 0x9E3779B97F4A7C15L + lane;
        while (bytes.position() < MESSAGE_LENGTH - Long.BYTES)
        {
            filler = filler * 6364136223846793005L + 1442695040888963407L;
            bytes.put((byte)(filler >>> 56));
        }
        final CRC32 crc = new CRC32();
        crc.update(bytes.array(), 0, MESSAGE_LENGTH - Long.BYTES);
        bytes.putLong(crc.getValue());
        return bytes.array();
    }

    /**
     * @return {@code lane << 40 | seq} of a checked message.
     * @throws AssertionError if the checksum or the length is wrong.
     */
    static long check(final DirectBuffer payload, final int length)
    {
        assertEquals(MESSAGE_LENGTH, length, "message length");
        final byte[] bytes = new byte[length];
        payload.getBytes(0, bytes);
        final CRC32 crc = new CRC32();
        crc.update(bytes, 0, MESSAGE_LENGTH - Long.BYTES);
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(crc.getValue(), buffer.getLong(MESSAGE_LENGTH - Long.BYTES), "checksum");
        assertArrayEquals(message(buffer.getInt(0), buffer.getLong(4)), bytes, "content");
        return ((long)buffer.getInt(0) << 40) | buffer.getLong(4);
    }

    /**
     * Sends {@code perLane} messages on each lane, waiting for room when full.
     *
     * @return the ids they got in A, by key.
     */
    static Map<Long, Long> sendAll(final IpcQueue queue, final int lanes, final int perLane)
    {
        final Map<Long, Long> ids = new ConcurrentHashMap<>();
        try (Producer producer = queue.producer())
        {
            for (int seq = 0; seq < perLane; seq++)
            {
                for (int lane = 0; lane < lanes; lane++)
                {
                    assertEquals(SendResult.OK, producer.send(lane, message(lane, seq), Duration.ofSeconds(60)));
                }
            }
        }
        return ids;
    }

    /**
     * Consumes the receiving queue on its own thread: checks each message, counts each key (a key seen twice is a
     * duplicate, detectable by its origin id too), and acks.
     */
    static final class Drainer implements AutoCloseable
    {
        final Map<Long, Integer> seen = new ConcurrentHashMap<>();
        final Map<Long, Long> originByKey = new ConcurrentHashMap<>();
        final AtomicLong received = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Drainer(final IpcQueue queue)
        {
            thread = new Thread(() ->
            {
                try (Consumer consumer = queue.consumer())
                {
                    while (!stop.get())
                    {
                        try (Lease lease = consumer.lease(Duration.ofMillis(50)))
                        {
                            if (lease == null)
                            {
                                continue;
                            }
                            final long key = check(lease.payload(), lease.length());
                            final long origin = lease.originId();
                            assertTrue(origin >= 0, "a bridged message has an origin id");
                            assertEquals((int)(key >>> 40), (int)(origin >>> 56), "origin id's lane");
                            assertEquals((int)(key >>> 40), lease.lane(), "lane in B");
                            final Long before = originByKey.putIfAbsent(key, origin);
                            if (before != null)
                            {
                                assertEquals(before, origin, "a duplicate carries the same origin id");
                            }
                            if (seen.merge(key, 1, Integer::sum) > 1)
                            {
                                duplicates.incrementAndGet();
                            }
                            received.incrementAndGet();
                            assertTrue(lease.ack());
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            }, "drainer");
            thread.start();
        }

        int distinct()
        {
            return seen.size();
        }

        void awaitDistinct(final int expected, final long timeoutMs, final BooleanSupplier progress)
            throws InterruptedException
        {
            final long deadline = System.currentTimeMillis() + timeoutMs;
            while (distinct() < expected && failure.get() == null)
            {
                if (System.currentTimeMillis() > deadline)
                {
                    fail("only " + distinct() + " of " + expected + " distinct messages arrived within " + timeoutMs +
                        " ms");
                }
                progress.getAsBoolean();
                Thread.sleep(20);
            }
            if (failure.get() != null)
            {
                throw new AssertionError("drainer failed", failure.get());
            }
        }

        @Override
        public void close() throws InterruptedException
        {
            stop.set(true);
            thread.join(30_000);
            if (failure.get() != null)
            {
                throw new AssertionError("drainer failed", failure.get());
            }
        }
    }

    /**
     * A bridge on a thread of this JVM.
     */
    static final class Running implements AutoCloseable
    {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;
        BridgeCounters counters;

        Running(final String name, final java.util.function.Consumer<BooleanSupplier> body)
        {
            thread = new Thread(() ->
            {
                try
                {
                    body.accept(stop::get);
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            }, name);
            thread.start();
        }

        static Running out(final IpcQueue queue, final BridgeSettings settings)
        {
            final NatsLink link = NatsLink.connect(settings);
            final BridgeOut out = new BridgeOut(queue, link);
            final Running running = new Running("bridge-out", stop ->
            {
                try (link; out)
                {
                    out.run(stop);
                }
            });
            running.counters = out.counters();
            return running;
        }

        static Running in(final IpcQueue queue, final BridgeSettings settings)
        {
            final NatsLink link = NatsLink.connect(settings);
            final BridgeIn in = new BridgeIn(queue, link);
            final Running running = new Running("bridge-in", stop ->
            {
                try (link; in)
                {
                    in.run(stop);
                }
            });
            running.counters = in.counters();
            return running;
        }

        @Override
        public void close() throws InterruptedException
        {
            stop.set(true);
            thread.join(60_000);
            assertFalse(thread.isAlive(), "bridge thread did not stop");
            if (failure.get() != null)
            {
                throw new AssertionError("bridge failed", failure.get());
            }
        }
    }

    /**
     * @return messages the stream holds now.
     */
    static long streamMessages(final String url, final String stream) throws Exception
    {
        // A generous connect timeout: on a loaded 2-core machine jnats' default 2 s can pass before the handshake.
        final io.nats.client.Options options = new io.nats.client.Options.Builder().server(url)
            .connectionTimeout(Duration.ofSeconds(20)).maxReconnects(-1).build();
        try (Connection connection = Nats.connect(options))
        {
            final StreamInfo info = connection.jetStreamManagement().getStreamInfo(stream);
            return info.getStreamState().getMsgCount();
        }
        catch (final JetStreamApiException ex)
        {
            throw new AssertionError(ex);
        }
    }

    /**
     * What the server says of a stream and of the bridge-in consumers on it: for a failing test's evidence.
     *
     * @return one line for the stream, one per lane's consumer; or why it could not be read.
     */
    static String streamEvidence(final String url, final BridgeSettings settings, final int lanes)
    {
        final io.nats.client.Options options = new io.nats.client.Options.Builder().server(url)
            .connectionTimeout(Duration.ofSeconds(20)).build();
        final StringBuilder out = new StringBuilder();
        try (Connection connection = Nats.connect(options))
        {
            final io.nats.client.JetStreamManagement management = connection.jetStreamManagement();
            final StreamInfo info = management.getStreamInfo(settings.stream(),
                io.nats.client.api.StreamInfoOptions.allSubjects());
            out.append("stream ").append(settings.stream()).append(": ").append(info.getStreamState()).append('\n');
            // What a reader gets for the messages still counted on each subject (a count with no message behind it
            // would be the server's own index out of step).
            for (int lane = 0; lane < lanes; lane++)
            {
                long sequence = 1;
                for (int shown = 0; shown < 5; shown++)
                {
                    try
                    {
                        final io.nats.client.api.MessageInfo left =
                            management.getNextMessage(settings.stream(), sequence, settings.subject(lane));
                        out.append("left on lane ").append(lane).append(": seq ").append(left.getSeq())
                            .append(" headers ").append(left.getHeaders() == null ? "-" :
                                left.getHeaders().getFirst(MessageIdentity.ORIGIN_ID)).append('\n');
                        sequence = left.getSeq() + 1;
                    }
                    catch (final JetStreamApiException ex)
                    {
                        out.append("next on lane ").append(lane).append(" from ").append(sequence).append(": ")
                            .append(ex.getApiErrorCode()).append(' ').append(ex.getErrorDescription()).append('\n');
                        break;
                    }
                }
            }
            for (int lane = 0; lane < lanes; lane++)
            {
                try
                {
                    final io.nats.client.api.ConsumerInfo consumer =
                        management.getConsumerInfo(settings.stream(), BridgeIn.consumerName(settings, lane));
                    out.append("consumer lane ").append(lane).append(": pending=").append(consumer.getNumPending())
                        .append(" ackPending=").append(consumer.getNumAckPending())
                        .append(" redelivered=").append(consumer.getRedelivered())
                        .append(" delivered=").append(consumer.getDelivered())
                        .append(" ackFloor=").append(consumer.getAckFloor()).append('\n');
                }
                catch (final JetStreamApiException ex)
                {
                    out.append("consumer lane ").append(lane).append(": ").append(ex.getErrorDescription())
                        .append('\n');
                }
            }
        }
        catch (final Exception ex)
        {
            out.append("cannot read the stream: ").append(ex).append('\n');
        }
        return out.toString();
    }
}
