package io.ipcq.child;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.ReceiveStatus;
import org.agrona.DirectBuffer;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.zip.CRC32;

/**
 * Child JVM: leases messages holding up to {@code WINDOW} at once (acks the oldest when the window is full or
 * nothing more is ready), acks every one, and writes one {@link #RECORD_LENGTH}-byte record per ack to
 * {@code RECORD_FILE}; stops at end of stream, then writes a trailer and exits 0.
 * <p>
 * Record: int producer id, long sequence, int delivery count, byte flags ({@link #INTACT} if the checksum held,
 * {@link #ACKED} if the ack was accepted). The last {@link #TRAILER_LENGTH} bytes: epoch ms of the first lease and
 * of the last ack, written only on a clean end.
 * <p>
 * Arguments: {@code QUEUE_PATH CONSUMER_ID RECORD_FILE PARENT_PID WINDOW [TIME_LIMIT_SECONDS]}.
 */
public final class ConsumerMain
{
    public static final int RECORD_LENGTH = 4 + 8 + 4 + 1;
    public static final int TRAILER_LENGTH = 8 + 8;
    public static final byte INTACT = 1;
    public static final byte ACKED = 2;

    private final byte[] scratch = new byte[Payloads.MAX_LENGTH];
    private final CRC32 crc = new CRC32();
    private final DataOutputStream out;
    private long acked;
    private long firstLeaseEpochMs;
    private long lastAckEpochMs;

    private ConsumerMain(final OutputStream out)
    {
        this.out = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
    }

    public static void main(final String[] args) throws IOException
    {
        final Path path = Path.of(args[0]);
        final int id = Integer.parseInt(args[1]);
        final Path recordFile = Path.of(args[2]);
        ChildJvm.exitWhenParentDies(Long.parseLong(args[3]));
        final int window = Integer.parseInt(args[4]);
        final long limitNs = Duration.ofSeconds(args.length > 5 ? Long.parseLong(args[5]) : 150).toNanos();

        final long startNs = System.nanoTime();
        try (OutputStream file = Files.newOutputStream(recordFile);
             IpcQueue queue = IpcQueue.open(path);
             Consumer consumer = queue.consumer(window))
        {
            final ConsumerMain main = new ConsumerMain(file);
            final ArrayDeque<Lease> held = new ArrayDeque<>(window);
            while (true)
            {
                if (System.nanoTime() - startNs > limitNs)
                {
                    System.err.println("consumer " + id + ": no end of stream within the time limit, acked " +
                        main.acked);
                    System.exit(ChildJvm.EXIT_TIMED_OUT);
                }
                Lease lease = held.size() < window ? consumer.tryLease() : null;
                if (lease == null)
                {
                    if (!held.isEmpty())
                    {
                        main.ack(held.poll());
                        continue;
                    }
                    lease = consumer.lease(Duration.ofMillis(200));
                    if (lease == null)
                    {
                        if (consumer.status() == ReceiveStatus.END_OF_STREAM)
                        {
                            break;
                        }
                        continue;
                    }
                }
                if (main.firstLeaseEpochMs == 0)
                {
                    main.firstLeaseEpochMs = System.currentTimeMillis();
                }
                held.add(lease);
            }
            main.writeTrailer();
            System.out.printf("consumer %d: acked %d, end of stream after %d ms%n",
                id, main.acked, (System.nanoTime() - startNs) / 1_000_000);
        }
    }

    private void ack(final Lease lease) throws IOException
    {
        final DirectBuffer payload = lease.payload();
        final int length = lease.length();
        final boolean intact = Payloads.isIntact(payload, length, scratch, crc);
        final int producer = length >= Payloads.FILLER_OFFSET ? payload.getInt(Payloads.PRODUCER_OFFSET) : -1;
        final long sequence = length >= Payloads.FILLER_OFFSET ? payload.getLong(Payloads.SEQUENCE_OFFSET) : -1;
        final int deliveries = lease.deliveryCount();
        final boolean accepted = lease.ack();
        if (accepted)
        {
            acked++;
            lastAckEpochMs = System.currentTimeMillis();
        }
        out.writeInt(producer);
        out.writeLong(sequence);
        out.writeInt(deliveries);
        out.writeByte((intact ? INTACT : 0) | (accepted ? ACKED : 0));
    }

    /**
     * The trailer, after the records: epoch ms of the first lease and of the last ack.
     */
    private void writeTrailer() throws IOException
    {
        out.writeLong(firstLeaseEpochMs);
        out.writeLong(lastAckEpochMs);
        out.flush();
    }
}
