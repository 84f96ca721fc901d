package io.ipcq;

import io.ipcq.layout.QueueDescriptor;

import java.time.Duration;
import java.util.Objects;

/**
 * What a queue is created with. Immutable; build with {@link #builder()}.
 *
 * @param lanes               priority lanes; the highest lane is served first.
 * @param capacity            slots per lane, a power of two: at most this many unacked messages per lane.
 * @param maxPayloadLength    largest message in bytes.
 * @param leaseTimeout        how long a lease lasts unless extended.
 * @param heartbeatTimeout    how long a participant may be silent before it is presumed dead.
 * @param maxDeliveries       deliveries before a message goes to the dead-letter ring.
 * @param participantCapacity how many producer and consumer handles may be attached at once.
 * @param deadLetterCapacity  slots of the dead-letter ring, a power of two.
 * @param groupShared         file mode 0660 instead of 0600 (what {@link #mode} is then).
 * @param force               replace an existing file at the path.
 * @param mode                the file's permission bits, e.g. {@code 0600} (owner only) or {@code 0660} (owner and
 *                            group); read and write bits of owner and group only: who can read a queue can also
 *                            write it (every reader leases and acks).
 * @param group               the group to give the file to (before any byte is written), or null for the creator's.
 */
public record QueueConfig(
    int lanes,
    int capacity,
    int maxPayloadLength,
    Duration leaseTimeout,
    Duration heartbeatTimeout,
    int maxDeliveries,
    int participantCapacity,
    int deadLetterCapacity,
    boolean groupShared,
    boolean force,
    int mode,
    String group)
{
    /**
     * Validates the configuration (each component as described on the record).
     *
     * @param lanes               see above.
     * @param capacity            see above.
     * @param maxPayloadLength    see above.
     * @param leaseTimeout        see above.
     * @param heartbeatTimeout    see above.
     * @param maxDeliveries       see above.
     * @param participantCapacity see above.
     * @param deadLetterCapacity  see above.
     * @param groupShared         see above.
     * @param force               see above.
     * @throws IllegalArgumentException if a value is out of range (the message names it).
     */
    public QueueConfig
    {
        Objects.requireNonNull(leaseTimeout, "leaseTimeout");
        Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
        checkDuration("lease timeout", leaseTimeout);
        checkDuration("heartbeat timeout", heartbeatTimeout);
        if (leaseTimeout.toMillis() < 1)
        {
            throw new IllegalArgumentException("lease timeout must be at least 1ms: " + leaseTimeout);
        }
        if (heartbeatTimeout.toMillis() < 1)
        {
            throw new IllegalArgumentException("heartbeat timeout must be at least 1ms: " + heartbeatTimeout);
        }
        if ((mode & ~0660) != 0 || (mode & 0600) != 0600)
        {
            throw new IllegalArgumentException("mode 0" + Integer.toOctalString(mode) + " cannot work: the owner " +
                "must read and write (0600), and only the group's read and write bits may be added (0640, 0660); " +
                "no execute bits, nothing for others");
        }
        if (group != null && group.isBlank())
        {
            throw new IllegalArgumentException("group must be a group name, not blank");
        }
        if (maxDeliveries < 1)
        {
            throw new IllegalArgumentException("max deliveries must be at least 1: " + maxDeliveries);
        }
        if (participantCapacity < 2)
        {
            // Each process attached to a queue takes a row for its agent (heartbeats, reaper election, reaper
            // passes) besides one per producer or consumer handle: one row can never be enough.
            throw new IllegalArgumentException("participant capacity " + participantCapacity + " cannot work: " +
                "each attached process takes one row for its agent besides one per producer or consumer, so at " +
                "least 2");
        }
        // Fields are assigned after a compact constructor body: validate the parameters themselves.
        new QueueDescriptor.Geometry(lanes, capacity, maxPayloadLength, participantCapacity, deadLetterCapacity)
            .validate();
    }

    /**
     * Deadlines are 40 bits of ms since creation: a duration past {@link QueueDescriptor#MAX_DURATION_MS} could
     * overflow that field within the queue's life ({@link QueueDescriptor#MAX_QUEUE_AGE_MS}).
     */
    private static void checkDuration(final String name, final Duration duration)
    {
        if (duration.compareTo(Duration.ofMillis(QueueDescriptor.MAX_DURATION_MS)) > 0)
        {
            throw new IllegalArgumentException(name + " of " + duration.getSeconds() + "s is too long: at most 365 days (" +
                QueueDescriptor.MAX_DURATION_MS + "ms), so that every deadline fits the 40-bit field for the " +
                "queue's whole life of about 33.8 years");
        }
    }

    /**
     * @return {@link #mode} as permissions.
     */
    public java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions()
    {
        final var permissions = java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
        permissions.add(java.nio.file.attribute.PosixFilePermission.OWNER_READ);
        permissions.add(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        if ((mode & 0040) != 0)
        {
            permissions.add(java.nio.file.attribute.PosixFilePermission.GROUP_READ);
        }
        if ((mode & 0020) != 0)
        {
            permissions.add(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE);
        }
        return permissions;
    }

    /**
     * @return the sizes the file is laid out with.
     */
    public QueueDescriptor.Geometry geometry()
    {
        return new QueueDescriptor.Geometry(lanes, capacity, maxPayloadLength, participantCapacity,
            deadLetterCapacity);
    }

    /**
     * @return a builder holding the defaults.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Defaults: 1 lane of 1024 slots of 1 KiB, 30 s leases, 10 s heartbeat timeout, 5 deliveries,
     * 256 participants, a dead-letter ring as large as one lane, mode 0600, no replacing.
     */
    public static final class Builder
    {
        private int lanes = 1;
        private int capacity = 1024;
        private int maxPayloadLength = 1024;
        private Duration leaseTimeout = Duration.ofSeconds(30);
        private Duration heartbeatTimeout = Duration.ofSeconds(10);
        private int maxDeliveries = 5;
        private int participantCapacity = 256;
        private int deadLetterCapacity = -1;
        private boolean groupShared;
        private boolean force;
        private int mode = -1;
        private String group;

        /**
         * @param lanes priority lanes.
         * @return this builder.
         */
        public Builder lanes(final int lanes)
        {
            this.lanes = lanes;
            return this;
        }

        /**
         * @param capacity slots per lane, a power of two.
         * @return this builder.
         */
        public Builder capacity(final int capacity)
        {
            this.capacity = capacity;
            return this;
        }

        /**
         * @param maxPayloadLength largest message in bytes.
         * @return this builder.
         */
        public Builder maxPayloadLength(final int maxPayloadLength)
        {
            this.maxPayloadLength = maxPayloadLength;
            return this;
        }

        /**
         * @param leaseTimeout how long a lease lasts unless extended.
         * @return this builder.
         */
        public Builder leaseTimeout(final Duration leaseTimeout)
        {
            this.leaseTimeout = leaseTimeout;
            return this;
        }

        /**
         * @param heartbeatTimeout how long a participant may be silent before it is presumed dead.
         * @return this builder.
         */
        public Builder heartbeatTimeout(final Duration heartbeatTimeout)
        {
            this.heartbeatTimeout = heartbeatTimeout;
            return this;
        }

        /**
         * @param maxDeliveries deliveries before a message is dead-lettered.
         * @return this builder.
         */
        public Builder maxDeliveries(final int maxDeliveries)
        {
            this.maxDeliveries = maxDeliveries;
            return this;
        }

        /**
         * @param participantCapacity how many handles may be attached at once.
         * @return this builder.
         */
        public Builder participantCapacity(final int participantCapacity)
        {
            this.participantCapacity = participantCapacity;
            return this;
        }

        /**
         * @param deadLetterCapacity slots of the dead-letter ring, a power of two (default: the lane capacity).
         * @return this builder.
         */
        public Builder deadLetterCapacity(final int deadLetterCapacity)
        {
            this.deadLetterCapacity = deadLetterCapacity;
            return this;
        }

        /**
         * @param groupShared file mode 0660 instead of 0600.
         * @return this builder.
         */
        public Builder groupShared(final boolean groupShared)
        {
            this.groupShared = groupShared;
            return this;
        }

        /**
         * @param force replace an existing file at the path.
         * @return this builder.
         */
        public Builder force(final boolean force)
        {
            this.force = force;
            return this;
        }

        /**
         * @param mode permission bits, {@code 0600}, {@code 0640} or {@code 0660} (default 0600, or 0660 if
         *             group-shared).
         * @return this.
         */
        public Builder mode(final int mode)
        {
            this.mode = mode;
            return this;
        }

        /**
         * @param group the group the file is given to, or null for the creator's (default).
         * @return this.
         */
        public Builder group(final String group)
        {
            this.group = group;
            return this;
        }

    /**
         * @return the configuration.
         * @throws IllegalArgumentException if a value is out of range.
         */
        public QueueConfig build()
        {
            return new QueueConfig(lanes, capacity, maxPayloadLength, leaseTimeout, heartbeatTimeout, maxDeliveries,
                participantCapacity, deadLetterCapacity < 0 ? capacity : deadLetterCapacity, groupShared, force,
                mode >= 0 ? mode : groupShared ? 0660 : 0600, group);
        }
    }
}
