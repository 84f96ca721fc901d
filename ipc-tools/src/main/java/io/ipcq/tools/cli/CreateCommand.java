package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;
import io.ipcq.QueueConfig;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.tools.common.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;

@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    headerHeading = "",
    header = "Create a queue file atomically (nobody ever sees it half-made).",
    description = "Refuses a path that exists unless --force. Prints one line describing what it made.")
final class CreateCommand extends Verb
{
    private static final QueueConfig DEFAULTS = QueueConfig.builder().build();

    @Parameters(index = "0", paramLabel = "PATH", description = "The queue file, normally under /dev/shm.")
    Path path;

    @Option(names = "--capacity", paramLabel = "N",
        description = "Slots per lane, a power of two (default: 1024).")
    Integer capacity;

    @Option(names = "--slot-size", paramLabel = "BYTES", description = "Largest message, in bytes (default: 1024).")
    Integer slotSize;

    @Option(names = "--lanes", paramLabel = "K",
        description = "Priority lanes, 1.." + QueueDescriptor.MAX_LANES + "; the highest is served first (default: 1).")
    Integer lanes;

    @Option(names = "--lease-timeout", paramLabel = "D", converter = Durations.class,
        description = "How long a lease lasts before it expires and the message is redelivered (default: 30s).")
    Duration leaseTimeout;

    @Option(names = "--heartbeat-timeout", paramLabel = "D", converter = Durations.class,
        description = "How long a participant may be silent before it is presumed dead (default: 10s).")
    Duration heartbeatTimeout;

    @Option(names = "--max-deliveries", paramLabel = "N",
        description = "Deliveries before a message moves to the dead-letter ring (default: 5).")
    Integer maxDeliveries;

    @Option(names = "--dead-letter-capacity", paramLabel = "N",
        description = "Slots of the dead-letter ring, a power of two (default: as --capacity).")
    Integer deadLetterCapacity;

    @Option(names = "--participants", paramLabel = "N",
        description = "Producer and consumer handles that may be attached at once (default: 256).")
    Integer participants;

    @Option(names = "--group-shared", description = "File mode 0660 instead of 0600 (as --mode 0660).")
    boolean groupShared;

    @Option(names = "--mode", paramLabel = "MODE",
        description = "File mode in octal: 0600 (default: the owner only), 0640 or 0660 (the group reads, or " +
            "reads and writes). Set when the file is made, before any byte is written.")
    String mode;

    @Option(names = "--group", paramLabel = "G",
        description = "Give the file to group G (you must be a member, or root), before any byte is written.")
    String group;

    @Option(names = "--force", description = "Replace a file that exists at PATH (atomically).")
    boolean force;

    @Override
    public Integer call()
    {
        if (path.toString().isBlank())
        {
            throw CliException.usage("PATH is empty: give the queue's file path, e.g. /dev/shm/orders");
        }
        final int mode = parseMode();
        final int capacity = value(this.capacity, DEFAULTS.capacity());
        checkPowerOfTwo("--capacity", capacity);
        final int slotSize = value(this.slotSize, DEFAULTS.maxPayloadLength());
        checkRange("--slot-size", slotSize, 1, QueueDescriptor.MAX_PAYLOAD_LENGTH);
        final int lanes = value(this.lanes, DEFAULTS.lanes());
        checkRange("--lanes", lanes, 1, QueueDescriptor.MAX_LANES);
        final Duration leaseTimeout = leaseTimeoutOrDefault();
        checkAtLeastOneMs("--lease-timeout", leaseTimeout);
        final Duration heartbeatTimeout = this.heartbeatTimeout == null ? DEFAULTS.heartbeatTimeout() : this.heartbeatTimeout;
        checkAtLeastOneMs("--heartbeat-timeout", heartbeatTimeout);
        final int maxDeliveries = value(this.maxDeliveries, DEFAULTS.maxDeliveries());
        checkRange("--max-deliveries", maxDeliveries, 1, Integer.MAX_VALUE);
        final int deadLetterCapacity = value(this.deadLetterCapacity, capacity);
        checkPowerOfTwo("--dead-letter-capacity", deadLetterCapacity);
        final int participants = value(this.participants, DEFAULTS.participantCapacity());
        if (participants < 2)
        {
            throw CliException.usage("--participants " + participants + " cannot work: each process attached " +
                "to a queue takes one row for its agent besides one per producer or consumer, so at least 2");
        }
        checkRange("--participants", participants, 2, QueueDescriptor.MAX_PARTICIPANTS);
        checkAtMost365Days("--lease-timeout", leaseTimeout);
        checkAtMost365Days("--heartbeat-timeout", heartbeatTimeout);

        final QueueConfig config;
        try
        {
            config = QueueConfig.builder()
                .capacity(capacity)
                .maxPayloadLength(slotSize)
                .lanes(lanes)
                .leaseTimeout(leaseTimeout)
                .heartbeatTimeout(heartbeatTimeout)
                .maxDeliveries(maxDeliveries)
                .deadLetterCapacity(deadLetterCapacity)
                .participantCapacity(participants)
                .groupShared(groupShared)
                .mode(mode)
                .group(group)
                .force(force)
                .build();
        }
        catch (final IllegalArgumentException ex)
        {
            throw CliException.usage(ex.getMessage());
        }

        final long fileLength;
        try (IpcQueue queue = IpcQueue.create(path, config))
        {
            fileLength = config.geometry().fileLength();
        }
        out().println("created " + path + ": " + lanes + (lanes == 1 ? " lane" : " lanes") + " x " + capacity +
            " slots, max payload " + slotSize + " B, dead-letter ring " + deadLetterCapacity + " slots, lease " +
            Durations.format(leaseTimeout) + ", heartbeat " + Durations.format(heartbeatTimeout) +
            ", max deliveries " + maxDeliveries + ", mode 0" + Integer.toOctalString(mode) + (group == null ? "" : ", group " + group) + ", " +
            Text.bytes(fileLength));
        flushOrFail("created " + path);
        return 0;
    }

    private int parseMode()
    {
        if (mode == null)
        {
            return groupShared ? 0660 : 0600;
        }
        final int parsed;
        try
        {
            parsed = Integer.parseInt(mode, 8);
        }
        catch (final NumberFormatException ex)
        {
            throw CliException.usage("--mode " + mode + " is not an octal mode such as 0600, 0640 or 0660");
        }
        if (parsed != 0600 && parsed != 0640 && parsed != 0660)
        {
            throw CliException.usage("--mode " + mode + " cannot be used: a queue's mode is 0600 (the owner " +
                "only), 0640 (the group reads) or 0660 (the group reads and writes); no execute bits, nothing " +
                "for others");
        }
        if (groupShared && parsed != 0660)
        {
            throw CliException.usage("--group-shared means --mode 0660: it contradicts --mode " + mode);
        }
        return parsed;
    }

    /**
     * Deadlines are 40 bits of ms since the queue's creation: a duration past 365 days could wrap within the
     * queue's life (about 33.8 years; see docs/layout.md).
     */
    private static void checkAtMost365Days(final String option, final Duration value)
    {
        if (value.compareTo(Duration.ofMillis(QueueDescriptor.MAX_DURATION_MS)) > 0)
        {
            throw CliException.usage(option + " " + Durations.format(value) + " is too long: at most 525600m (365 days) " +
                "(deadlines are 40 bits of ms since creation; a queue lives about 33.8 years)");
        }
    }

    private Duration leaseTimeoutOrDefault()
    {
        return leaseTimeout == null ? DEFAULTS.leaseTimeout() : leaseTimeout;
    }

    private static int value(final Integer given, final int fallback)
    {
        return given == null ? fallback : given;
    }

    private static void checkPowerOfTwo(final String option, final int value)
    {
        if (value < QueueDescriptor.MIN_CAPACITY || value > QueueDescriptor.MAX_CAPACITY ||
            Integer.bitCount(value) != 1)
        {
            throw CliException.usage(option + " " + value + " is not a power of two in [" +
                QueueDescriptor.MIN_CAPACITY + ", " + QueueDescriptor.MAX_CAPACITY + "]" +
                (value > QueueDescriptor.MIN_CAPACITY && value < QueueDescriptor.MAX_CAPACITY ?
                    " (nearest: " + Integer.highestOneBit(value) + " or " + (Integer.highestOneBit(value) << 1) + ")" :
                    ""));
        }
    }

    private static void checkRange(final String option, final int value, final int min, final int max)
    {
        if (value < min || value > max)
        {
            throw CliException.usage(option + " " + value + " is out of range: it must be in [" + min + ", " +
                max + "]");
        }
    }

    private static void checkAtLeastOneMs(final String option, final Duration value)
    {
        if (value.toMillis() < 1)
        {
            throw CliException.usage(option + " " + Durations.format(value) + " is too short: at least 1ms");
        }
    }
}
