package io.ipcq.tools.cli;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.SendResult;
import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.QueueDescriptor;
import org.agrona.concurrent.SystemEpochClock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The cases of the bad-file fuzz test: a small queue in a busy state (messages ready, one leased by a participant
 * whose process is gone), and one case per 64-bit word of its header, of each lane entry (the lane's and the
 * dead-letter ring's), of the leased slot and of the participant row holding it, set to each of the boundary values
 * (0, -1, 2^63, 2^63 - 1, capacity, capacity + 1) and two random values. The same list is built by the test and by
 * its runner child from the same seed.
 */
final class BadFileCases
{
    static final int CAPACITY = 4;
    static final int SLOT_SIZE = 16;
    /** A pid no process has (pid_max is at most 2^22): the baseline's rows belong to a gone process. */
    static final long GONE_PID = Integer.MAX_VALUE;
    private static final long SEED = 0x1BADF11EL;

    /**
     * The verbs run on each file, in this order (the file changes as they go: seal seals it, delete removes it).
     */
    static final List<List<String>> VERBS = List.of(
        List.of("inspect", "PATH"),
        List.of("inspect", "PATH", "--json", "--slots"),
        List.of("send", "PATH", "probe"),
        List.of("recv", "PATH", "--count", "2", "--timeout", "1ms"),
        List.of("reap", "PATH"),
        List.of("seal", "PATH"),
        List.of("create", "PATH"),
        List.of("delete", "PATH"));

    /**
     * One corrupt file: the baseline with one word replaced.
     */
    record Case(int index, String region, int offset, String valueName, long value)
    {
        @Override
        public String toString()
        {
            return "#" + index + " " + region + " word at " + offset + " = " + valueName;
        }
    }

    private BadFileCases()
    {
    }

    static List<String> verb(final int verb, final Path path)
    {
        final List<String> args = new ArrayList<>();
        for (final String arg : VERBS.get(verb))
        {
            args.add("PATH".equals(arg) ? path.toString() : arg);
        }
        return args;
    }

    static QueueConfig config()
    {
        return QueueConfig.builder().capacity(CAPACITY).maxPayloadLength(SLOT_SIZE).lanes(1)
            .deadLetterCapacity(CAPACITY).participantCapacity(4).maxDeliveries(3).build();
    }

    /**
     * Makes the baseline: three messages sent, the first leased (slot 0 of lane 0); the rows of the producer and
     * of the consumer holding the lease then name a pid no process has.
     *
     * @param path where.
     * @return the baseline's bytes.
     */
    static byte[] baseline(final Path path) throws IOException
    {
        final byte[] bytes;
        try (IpcQueue queue = IpcQueue.create(path, config(), SystemEpochClock.INSTANCE))
        {
            final Producer producer = queue.producer();
            final Consumer consumer = queue.consumer();
            for (final String message : List.of("first", "second", "third"))
            {
                if (producer.trySend(0, message.getBytes(StandardCharsets.UTF_8)) != SendResult.OK)
                {
                    throw new IllegalStateException("baseline send failed");
                }
            }
            final Lease lease = consumer.tryLease();
            if (lease == null)
            {
                throw new IllegalStateException("baseline lease failed");
            }
            // The mapping is the file: a copy now holds the lease and both rows in use.
            bytes = Files.readAllBytes(path);
        }
        Files.deleteIfExists(path);
        final ByteBuffer file = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        final int table = (int)file.getLong(QueueDescriptor.PARTICIPANT_TABLE_OFFSET_OFFSET);
        for (int row = 0; row < 2; row++)
        {
            final int offset = table + row * ParticipantDescriptor.PARTICIPANT_LENGTH;
            file.putInt(offset + ParticipantDescriptor.ROW_STATE_OFFSET, ParticipantDescriptor.ROW_ACTIVE);
            file.putLong(offset + ParticipantDescriptor.PID_OFFSET, GONE_PID);
        }
        return bytes;
    }

    /**
     * @param baseline the baseline's bytes.
     * @return every case, in a fixed order.
     */
    static List<Case> all(final byte[] baseline)
    {
        final ByteBuffer file = ByteBuffer.wrap(baseline).order(ByteOrder.LITTLE_ENDIAN);
        final int table = (int)file.getLong(QueueDescriptor.PARTICIPANT_TABLE_OFFSET_OFFSET);
        final int rings = (int)file.getLong(QueueDescriptor.RINGS_OFFSET_OFFSET);
        final List<Case> cases = new ArrayList<>();
        final Random random = new Random(SEED);
        addWords(cases, random, "header", 0, QueueDescriptor.HEADER_LENGTH);
        addWords(cases, random, "lane 0", LaneDescriptor.laneDescriptorOffset(0), LaneDescriptor.LANE_DESCRIPTOR_LENGTH);
        addWords(cases, random, "dead-letter lane", LaneDescriptor.laneDescriptorOffset(1),
            LaneDescriptor.LANE_DESCRIPTOR_LENGTH);
        addWords(cases, random, "leased slot", rings, file.getInt(QueueDescriptor.SLOT_LENGTH_OFFSET));
        addWords(cases, random, "participant row 1", table + ParticipantDescriptor.PARTICIPANT_LENGTH,
            ParticipantDescriptor.PARTICIPANT_LENGTH);
        return cases;
    }

    private static void addWords(
        final List<Case> cases, final Random random, final String region, final int start, final int length)
    {
        for (int offset = start; offset < start + length; offset += Long.BYTES)
        {
            add(cases, region, offset, "0", 0);
            add(cases, region, offset, "-1", -1);
            add(cases, region, offset, "2^63", Long.MIN_VALUE);
            add(cases, region, offset, "2^63-1", Long.MAX_VALUE);
            add(cases, region, offset, "capacity", CAPACITY);
            add(cases, region, offset, "capacity+1", CAPACITY + 1);
            final long a = random.nextLong();
            add(cases, region, offset, "0x" + Long.toHexString(a), a);
            final long b = random.nextLong();
            add(cases, region, offset, "0x" + Long.toHexString(b), b);
        }
    }

    private static void add(final List<Case> cases, final String region, final int offset, final String name,
        final long value)
    {
        cases.add(new Case(cases.size(), region + " +" + (offset - regionStart(cases, region, offset)), offset, name,
            value));
    }

    private static int regionStart(final List<Case> cases, final String region, final int offset)
    {
        for (final Case c : cases)
        {
            if (c.region().startsWith(region + " +"))
            {
                return c.offset() - Integer.parseInt(c.region().substring(region.length() + 2));
            }
        }
        return offset;
    }

    /**
     * @return the baseline with the case's word written.
     */
    static byte[] corrupt(final byte[] baseline, final Case c)
    {
        final byte[] bytes = baseline.clone();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(c.offset(), c.value());
        return bytes;
    }
}
