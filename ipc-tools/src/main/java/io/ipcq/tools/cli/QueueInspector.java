package io.ipcq.tools.cli;

import io.ipcq.QueueStats;
import io.ipcq.internal.ParticipantTable;
import io.ipcq.internal.ProcessInfo;
import io.ipcq.internal.QueueFile;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.tools.common.Durations;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The engine of {@code ipcq inspect}: maps a queue read-only (never attaches, never writes: it works on a queue
 * whose processes are all dead) and renders what it reads as a summary, JSON, or one line per busy slot.
 * Modelled on Aeron's CncFileReader and AeronStat. Nothing here is a consistent snapshot while others work on
 * the queue: see docs/operations.md for what can be off and by how much.
 */
final class QueueInspector implements AutoCloseable
{
    /** Name of the dead-letter ring in slot listings. */
    static final String DEAD_LETTER_RING = "DL";
    /** Marks an odd Full Epoch in the lane table: a producer searched past held slots and nothing was freed since. */
    static final String FULL_EPOCH_ODD_MARK = "(odd)";

    private final Path path;
    private final QueueFile file;
    private final ParticipantTable participants;

    /**
     * One read of everything the views show.
     *
     * @param stats        counts by state, counters and participants.
     * @param fullEpochs   the Full Epoch of each ring: the lanes, then the dead-letter ring.
     * @param nowEpochMs   when it was read.
     * @param readNanos    System.nanoTime() of the read, for rates.
     */
    record Snapshot(QueueStats stats, long[] fullEpochs, long nowEpochMs, long readNanos)
    {
        long fullEpoch(final int ring)
        {
            return fullEpochs[ring];
        }
    }

    /**
     * One slot that is not FREE, as read word by word.
     *
     * @param sequence the sequence word as read: bit 63 ({@link SlotDescriptor#SKIPPED_BIT}) set means the slot still
     *                 holds the message at {@code position} and producers skipped it (see {@link #skipped()}).
     * @param position the Position word: the position of the message (or claim) the slot holds.
     */
    record Slot(int ring, int index, long sequence, long position, int state, int holder, long generation,
        long deadlineWord, long messageId, int deliveries, int length, boolean lengthValid, byte[] head)
    {
        /** @return true if producers skipped this slot because its message was still unacked. */
        boolean skipped()
        {
            return SlotDescriptor.isSkipped(sequence);
        }

        /** @return the last position that skipped the slot; only meaningful if {@link #skipped()}. */
        long skippedThrough()
        {
            return SlotDescriptor.lastSkippedPosition(sequence);
        }

        /** @return the sequence without the skipped bit: never a huge negative number. */
        long sequenceValue()
        {
            return sequence & ~SlotDescriptor.SKIPPED_BIT;
        }
    }

    private QueueInspector(final Path path, final QueueFile file)
    {
        this.path = path;
        this.file = file;
        this.participants = new ParticipantTable(file.buffer(), file.geometry().participantTableOffset(),
            file.geometry().participantCapacity());
    }

    /**
     * Maps and validates the file read-only.
     *
     * @param path the queue file.
     * @return the inspector.
     */
    static QueueInspector open(final Path path)
    {
        return new QueueInspector(path, QueueFile.open(path, true));
    }

    Snapshot read()
    {
        final long now = System.currentTimeMillis();
        final QueueStats stats = QueueStats.read(file, participants, now);
        final long[] fullEpochs = new long[file.geometry().lanes() + 1];
        for (int ring = 0; ring < fullEpochs.length; ring++)
        {
            fullEpochs[ring] = file.buffer().getLongVolatile(
                LaneDescriptor.laneDescriptorOffset(ring) + LaneDescriptor.FULL_EPOCH_OFFSET);
        }
        return new Snapshot(stats, fullEpochs, now, System.nanoTime());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Header words not in QueueStats
    // ---------------------------------------------------------------------------------------------------------

    int layoutVersion()
    {
        return file.buffer().getIntVolatile(QueueDescriptor.LAYOUT_VERSION_OFFSET);
    }

    long creatorPid()
    {
        return file.buffer().getLong(QueueDescriptor.CREATOR_PID_OFFSET);
    }

    long fileLength()
    {
        return file.geometry().fileLength();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Summary
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Prints the human summary.
     *
     * @param out      where.
     * @param snapshot what was read.
     * @param previous the read before (for rates in watch mode), or null.
     */
    void printSummary(final PrintWriter out, final Snapshot snapshot, final Snapshot previous)
    {
        final QueueStats stats = snapshot.stats();
        final QueueDescriptor.Geometry geometry = file.geometry();
        final long creator = creatorPid();
        out.println("queue      " + path.toAbsolutePath());
        out.println("layout     v" + layoutVersion() + ", created " +
            Instant.ofEpochMilli(file.createdEpochMs()) + " (" + Text.age(snapshot.nowEpochMs() -
            file.createdEpochMs()) + " ago) by pid " + creator + " (" + processState(creator) + "), " +
            Text.bytes(fileLength()) + "; read-only view, nothing attached");
        out.println("state      " + (stats.sealed() ? "SEALED: takes no more messages" +
            (isDrained(stats) ? "; drained: end of stream" : "; draining") : "open"));
        out.println("geometry   " + geometry.lanes() + (geometry.lanes() == 1 ? " lane" : " lanes") + " x " +
            geometry.laneCapacity() + " slots, max payload " + geometry.maxPayloadLength() + " B (slot " +
            geometry.slotLength() + " B), dead-letter ring " + geometry.deadLetterCapacity() + " slots, " +
            geometry.participantCapacity() + " participant rows");
        out.println("settings   lease timeout " + Durations.format(Duration.ofMillis(file.leaseTimeoutMs())) +
            ", heartbeat timeout " + Durations.format(Duration.ofMillis(file.heartbeatTimeoutMs())) +
            ", max deliveries " + file.maxDeliveries());
        out.println();

        final String laneFormat = "%-6s %8s %8s %10s %8s %8s %8s %8s %12s %12s %12s %12s%n";
        out.printf(Locale.ROOT, laneFormat, "lane", "ready", "leased", "redelivery", "claimed", "moving", "free",
            "capacity", "tail", "cursor", "head", "full epoch");
        for (int i = stats.lanes().size() - 1; i >= 0; i--)
        {
            final QueueStats.LaneStats lane = stats.lanes().get(i);
            printLane(out, laneFormat, Integer.toString(lane.lane()), lane, snapshot.fullEpoch(lane.lane()));
        }
        out.printf(Locale.ROOT, laneFormat, "all", stats.ready(), stats.leased(), stats.redelivery(),
            stats.lanes().stream().mapToInt(QueueStats.LaneStats::claimed).sum(),
            stats.lanes().stream().mapToInt(l -> l.deadLettering() + l.parked()).sum(),
            stats.free(), stats.capacity(), "", "", "", "");
        final QueueStats.LaneStats dead = stats.deadLetters();
        printLane(out, laneFormat, DEAD_LETTER_RING, dead, snapshot.fullEpoch(dead.lane()));
        out.println("dead letters: " + stats.deadLettered() + " of " + dead.capacity() + " slots in use" +
            (dead.leased() > 0 ? " (" + dead.leased() + " being read)" : ""));
        final int invalid = stats.lanes().stream().mapToInt(QueueStats.LaneStats::invalid).sum() + dead.invalid();
        if (invalid > 0)
        {
            out.println("WARNING: " + invalid + " slots hold an impossible lease-state word (corrupt?): " +
                "see inspect --slots");
        }
        if (Arrays.stream(snapshot.fullEpochs()).anyMatch(QueueInspector::isFullEpochOdd))
        {
            out.println("full epoch " + FULL_EPOCH_ODD_MARK + ": nothing freed since a producer searched past slots " +
                "holding unacked messages;");
            out.println("  a producer whose search found no free slot answers FULL without searching until a free");
        }
        out.println();

        final long[] counters = stats.counters();
        final StringBuilder line = new StringBuilder("counters  ");
        for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
        {
            appendWrapped(out, line, " " + CounterIndex.name(i) + " " + counters[i]);
        }
        out.println(line);
        if (previous != null)
        {
            final double seconds = (snapshot.readNanos() - previous.readNanos()) / 1e9;
            final StringBuilder rates = new StringBuilder("rates/s   ");
            for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
            {
                appendWrapped(out, rates, " " + CounterIndex.name(i) + " " +
                    Text.rate(rate(counters[i], previous.stats().counters()[i], seconds)));
            }
            out.println(rates);
        }
        out.println();

        final List<QueueStats.ParticipantStats> rows = stats.participants();
        out.println("participants: " + rows.size() + " of " + geometry.participantCapacity() + " rows in use" +
            (rows.isEmpty() ? "" : " (alive = process running and heartbeat within " +
            Text.age(file.heartbeatTimeoutMs()) + ")"));
        if (!rows.isEmpty())
        {
            final String rowFormat = "  %5s %8s %-20s %-5s %-8s %14s %7s  %s%n";
            out.printf(Locale.ROOT, rowFormat, "id", "pid", "role", "alive", "process", "heartbeat age",
                "leases", "row");
            for (final QueueStats.ParticipantStats row : rows)
            {
                out.printf(Locale.ROOT, rowFormat, row.id(), row.pid(), row.role(), row.alive() ? "yes" : "no",
                    row.processAlive() ? "running" : "gone",
                    Text.age(row.heartbeatAgeMs()) + (row.heartbeatFresh() ? "" : " (stale)"), row.leases(),
                    row.rowState());
            }
        }
    }

    private static void appendWrapped(final PrintWriter out, final StringBuilder line, final String item)
    {
        if (line.length() + item.length() > 100)
        {
            out.println(line);
            line.setLength(0);
            line.append("          ");
        }
        line.append(item);
    }

    static double rate(final long now, final long before, final double seconds)
    {
        // A counter can read lower than before for a moment (a participant detaching): no negative rates.
        return seconds <= 0 ? 0 : Math.max(0, now - before) / seconds;
    }

    private static void printLane(
        final PrintWriter out, final String format, final String name, final QueueStats.LaneStats lane,
        final long fullEpoch)
    {
        out.printf(Locale.ROOT, format, name, lane.ready(), lane.leased(), lane.requeued(), lane.claimed(),
            lane.deadLettering() + lane.parked(), lane.free(), lane.capacity(), lane.tail(), lane.leaseCursor(),
            lane.headHint(), fullEpoch + (isFullEpochOdd(fullEpoch) ? " " + FULL_EPOCH_ODD_MARK : ""));
    }

    /**
     * @param fullEpoch a ring's Full Epoch.
     * @return true if odd: a producer searched past slots holding messages, and no slot was freed since (a producer
     * whose search ended FULL at this epoch answers FULL without searching again).
     */
    static boolean isFullEpochOdd(final long fullEpoch)
    {
        return (fullEpoch & 1) != 0;
    }

    private static boolean isDrained(final QueueStats stats)
    {
        return stats.free() == stats.capacity();
    }

    private static String processState(final long pid)
    {
        if (pid <= 0)
        {
            return "unknown";
        }
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? "running" : "gone";
    }

    // ---------------------------------------------------------------------------------------------------------
    // JSON
    // ---------------------------------------------------------------------------------------------------------

    /**
     * @param snapshot  what was read.
     * @param previous  the read before (adds "rates"), or null.
     * @param slots     busy slots to include, or null.
     * @param slotLimit the limit the slots were read with (for "slotsTruncated").
     * @return one JSON object, one line.
     */
    String json(final Snapshot snapshot, final Snapshot previous, final List<Slot> slots, final int slotLimit)
    {
        final QueueStats stats = snapshot.stats();
        final QueueDescriptor.Geometry geometry = file.geometry();
        final Json json = new Json().beginObject()
            .field("path", path.toAbsolutePath().toString())
            .field("layoutVersion", layoutVersion())
            .field("lanes", geometry.lanes())
            .field("capacity", geometry.laneCapacity())
            .field("slotSize", geometry.maxPayloadLength())
            .field("slotLength", geometry.slotLength())
            .field("leaseTimeoutMs", file.leaseTimeoutMs())
            .field("heartbeatTimeoutMs", file.heartbeatTimeoutMs())
            .field("maxDeliveries", file.maxDeliveries())
            .field("deadLetterCapacity", geometry.deadLetterCapacity())
            .field("participantCapacity", geometry.participantCapacity())
            .field("fileLength", fileLength())
            .field("createdEpochMs", file.createdEpochMs())
            .field("creatorPid", creatorPid())
            .field("readEpochMs", snapshot.nowEpochMs())
            .field("sealed", stats.sealed())
            .field("ready", stats.ready())
            .field("leased", stats.leased())
            .field("redelivery", stats.redelivery())
            .field("claimed", stats.lanes().stream().mapToInt(QueueStats.LaneStats::claimed).sum())
            .field("moving", stats.lanes().stream().mapToInt(l -> l.deadLettering() + l.parked()).sum())
            .field("free", stats.free())
            .field("totalCapacity", stats.capacity())
            .field("deadLettered", stats.deadLettered());

        json.beginObject("counters");
        for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
        {
            json.field(CounterIndex.name(i), stats.counters()[i]);
        }
        json.endObject();
        if (previous != null)
        {
            final double seconds = (snapshot.readNanos() - previous.readNanos()) / 1e9;
            json.beginObject("rates");
            for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
            {
                json.field(CounterIndex.name(i), rate(stats.counters()[i], previous.stats().counters()[i], seconds));
            }
            json.endObject();
        }

        json.beginArray("participants");
        for (final QueueStats.ParticipantStats row : stats.participants())
        {
            json.beginObject()
                .field("id", row.id())
                .field("pid", row.pid())
                .field("role", row.role())
                .field("alive", row.alive())
                .field("processAlive", row.processAlive())
                .field("heartbeatFresh", row.heartbeatFresh())
                .field("heartbeatAgeMs", row.heartbeatAgeMs())
                .field("leases", row.leases())
                .field("rowState", row.rowState())
                .endObject();
        }
        json.endArray();

        json.beginArray("perLane");
        for (final QueueStats.LaneStats lane : stats.lanes())
        {
            laneJson(json.beginObject(), lane, snapshot.fullEpoch(lane.lane())).endObject();
        }
        json.endArray();
        laneJson(json.beginObject("deadLetterRing"), stats.deadLetters(),
            snapshot.fullEpoch(stats.deadLetters().lane())).endObject();

        if (slots != null)
        {
            json.field("slotsTruncated", slots.size() > slotLimit);
            json.beginArray("slots");
            for (int i = 0; i < Math.min(slots.size(), slotLimit); i++)
            {
                slotJson(json.beginObject(), slots.get(i), snapshot.nowEpochMs()).endObject();
            }
            json.endArray();
        }
        return json.endObject().toString();
    }

    private static Json laneJson(final Json json, final QueueStats.LaneStats lane, final long fullEpoch)
    {
        return json
            .field("lane", lane.lane())
            .field("capacity", lane.capacity())
            .field("tail", lane.tail())
            .field("leaseCursor", lane.leaseCursor())
            .field("headHint", lane.headHint())
            .field("free", lane.free())
            .field("claimed", lane.claimed())
            .field("ready", lane.ready())
            .field("leased", lane.leased())
            .field("redelivery", lane.requeued())
            .field("deadLettering", lane.deadLettering())
            .field("parked", lane.parked())
            .field("invalid", lane.invalid())
            .field("fullEpoch", fullEpoch)
            .field("fullEpochOdd", isFullEpochOdd(fullEpoch));
    }

    private Json slotJson(final Json json, final Slot slot, final long nowEpochMs)
    {
        json.field("ring", slot.ring() == file.geometry().lanes() ? DEAD_LETTER_RING : Integer.toString(slot.ring()))
            .field("index", slot.index())
            .field("sequence", slot.sequenceValue())
            .field("skipped", slot.skipped());
        if (slot.skipped())
        {
            json.field("skippedThrough", slot.skippedThrough());
        }
        json
            .field("position", slot.position())
            .field("state", LeaseState.stateName(slot.state()))
            .field("holder", slot.holder());
        if (slot.holder() != LeaseState.NO_HOLDER)
        {
            json.field("participant", slot.holder() - 1);
        }
        json
            .field("generation", slot.generation())
            .field("deliveries", slot.deliveries())
            .field("id", slot.messageId())
            .field("length", slot.length());
        final Long left = deadlineLeftMs(slot, nowEpochMs);
        if (left != null)
        {
            json.field("deadlineInMs", left.longValue());
        }
        if (slot.lengthValid())
        {
            final String text = Hex.utf8OrNull(slot.head());
            json.field("headHex", hex(slot.head()));
            if (text != null)
            {
                json.field("headText", text);
            }
        }
        return json;
    }

    private static String hex(final byte[] bytes)
    {
        final StringBuilder out = new StringBuilder(bytes.length * 2);
        for (final byte b : bytes)
        {
            out.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Slots
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Reads every slot that is not FREE, ring by ring (lanes, then the dead-letter ring), word by word.
     *
     * @param limit stop after this many plus one (the extra one says "there are more").
     * @return the slots read.
     */
    List<Slot> readSlots(final int limit)
    {
        final QueueDescriptor.Geometry geometry = file.geometry();
        final UnsafeBuffer buffer = file.buffer();
        final List<Slot> slots = new ArrayList<>();
        for (int ring = 0; ring <= geometry.lanes(); ring++)
        {
            final int capacity = ring < geometry.lanes() ? geometry.laneCapacity() : geometry.deadLetterCapacity();
            final long ringOffset = geometry.ringOffset(ring);
            for (int index = 0; index < capacity; index++)
            {
                final int slot = (int)(ringOffset + (long)index * geometry.slotLength());
                final long word = buffer.getLongVolatile(slot + SlotDescriptor.LEASE_STATE_OFFSET);
                if (LeaseState.state(word) == LeaseState.FREE)
                {
                    continue;
                }
                if (slots.size() > limit)
                {
                    return slots;
                }
                final long sequence = buffer.getLongVolatile(slot + SlotDescriptor.SEQUENCE_OFFSET);
                final int length = buffer.getIntVolatile(slot + SlotDescriptor.PAYLOAD_LENGTH_OFFSET);
                final boolean lengthValid = length >= 0 && length <= geometry.maxPayloadLength();
                final byte[] head = new byte[lengthValid ? Math.min(length, Hex.PREVIEW_BYTES) : 0];
                buffer.getBytes(slot + SlotDescriptor.PAYLOAD_OFFSET, head);
                slots.add(new Slot(ring, index, sequence,
                    buffer.getLongVolatile(slot + SlotDescriptor.POSITION_OFFSET), LeaseState.state(word),
                    LeaseState.holder(word),
                    Integer.toUnsignedLong(LeaseState.generation(word)),
                    buffer.getLongVolatile(slot + SlotDescriptor.DEADLINE_OFFSET),
                    buffer.getLongVolatile(slot + SlotDescriptor.MESSAGE_ID_OFFSET),
                    buffer.getIntVolatile(slot + SlotDescriptor.DELIVERY_COUNT_OFFSET), length, lengthValid, head));
            }
        }
        return slots;
    }

    /**
     * Prints one line per busy slot.
     *
     * @param out        where.
     * @param slots      from {@link #readSlots(int)}.
     * @param limit      how many to print at most.
     * @param nowEpochMs to show lease deadlines as time left.
     */
    void printSlots(final PrintWriter out, final List<Slot> slots, final int limit, final long nowEpochMs)
    {
        if (slots.isEmpty())
        {
            out.println("slots: every slot is FREE");
            return;
        }
        final String format = "%-4s %8s %-24s %-14s %6s %10s %10s %20s %8s %-14s %s%n";
        out.printf(Locale.ROOT, format, "ring", "slot", "position", "state", "holder", "generation", "deliveries",
            "id", "length", "deadline", "preview (hex, ascii)");
        for (int i = 0; i < Math.min(slots.size(), limit); i++)
        {
            final Slot slot = slots.get(i);
            final Long left = deadlineLeftMs(slot, nowEpochMs);
            out.printf(Locale.ROOT, format,
                slot.ring() == file.geometry().lanes() ? DEAD_LETTER_RING : Integer.toString(slot.ring()),
                slot.index(), positionText(slot), LeaseState.stateName(slot.state()),
                slot.holder() == LeaseState.NO_HOLDER ? "-" : "p" + (slot.holder() - 1),
                slot.generation(), slot.deliveries(), slot.messageId(), slot.length(),
                left == null ? "-" : left >= 0 ? "in " + Text.age(left) : "overdue " + Text.age(-left),
                slot.lengthValid() ? Hex.preview(slot.head(), slot.length()) :
                    "(corrupt length: max payload is " + file.geometry().maxPayloadLength() + ")");
        }
        if (slots.size() > limit)
        {
            out.println("# limit reached: more busy slots not shown (raise --limit)");
        }
    }

    /**
     * @param slot a busy slot.
     * @return its message's position, and for a slot producers skipped (its message still unacked when they came
     * round to it) the last position that skipped it: {@code "5 skipped to 23"}.
     */
    static String positionText(final Slot slot)
    {
        return slot.skipped() ? slot.position() + " skipped to " + slot.skippedThrough() :
            Long.toString(slot.position());
    }

    /**
     * @return ms left on the lease of a LEASED slot whose deadline word carries its generation; null otherwise.
     */
    private Long deadlineLeftMs(final Slot slot, final long nowEpochMs)
    {
        if (slot.state() != LeaseState.LEASED ||
            !SlotDescriptor.deadlineBelongsTo(slot.deadlineWord(), (int)slot.generation()))
        {
            return null;
        }
        final long since = SlotDescriptor.deadlineSinceCreated(slot.deadlineWord());
        if (since == SlotDescriptor.DEADLINE_EXPIRING)
        {
            return 0L;
        }
        return file.createdEpochMs() + since - nowEpochMs;
    }

    @Override
    public void close()
    {
        file.close();
    }
}
