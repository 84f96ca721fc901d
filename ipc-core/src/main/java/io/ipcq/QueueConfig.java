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
 * @param groupShared         file mode 0660 instead of 0600.
 * @param force               replace an existing file at the path.
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
    boolean force)
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
        if (leaseTimeout.toMillis() < 1)
        {
            throw new IllegalArgumentException("lease timeout must be at least 1ms: " + leaseTimeout);
        }
        if (heartbeatTimeout.toMillis() < 1)
        {
            throw new IllegalArgumentException("heartbeat timeout must be at least 1ms: " + heartbeatTimeout);
        }
        if (maxDeliveries < 1)
        {
            throw new IllegalArgumentException("max deliveries must be at least 1: " + maxDeliveries);
        }
        // Fields are assigned after a compact constructor body: validate the parameters themselves.
        new QueueDescriptor.Geometry(lanes, capacity, maxPayloadLength, participantCapacity, deadLetterCapacity)
            .validate();
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
         * @return the configuration.
         * @throws IllegalArgumentException if a value is out of range.
         */
        public QueueConfig build()
        {
            return new QueueConfig(lanes, capacity, maxPayloadLength, leaseTimeout, heartbeatTimeout, maxDeliveries,
                participantCapacity, deadLetterCapacity < 0 ? capacity : deadLetterCapacity, groupShared, force);
        }
    }
}
