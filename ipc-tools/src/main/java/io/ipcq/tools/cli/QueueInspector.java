package io.ipcq.tools.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ipcq.QueueStats;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.read.DecodedSlot;
import io.ipcq.read.HeaderFlyweight;
import io.ipcq.read.LaneFlyweight;
import io.ipcq.read.MessageIds;
import io.ipcq.read.QueueLayout;
import io.ipcq.read.QueueView;
import io.ipcq.read.SlotFlyweight;
import io.ipcq.tools.common.Durations;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The engine of {@code ipcq inspect}: reads a queue through the read model ({@link QueueView}: read-only, never
 * attaches, never writes, so it works on a queue whose processes are all dead) and renders what it reads as a summary,
 * JSON (docs/inspect-schema.json), or one line per busy slot. Modelled on Aeron's CncFileReader and AeronStat. Nothing
 * here is a consistent snapshot while others work on the queue: see docs/operations.md for what can be off.
 */
final class QueueInspector implements AutoCloseable
{
    /** Name of the dead-letter ring in slot listings. */
    static final String DEAD_LETTER_RING = "DL";
    /** Marks an odd Full Epoch in the lane table: a producer searched past held slots and nothing was freed since. */
    static final String FULL_EPOCH_ODD_MARK = "(odd)";

    private final Path path;
    private final QueueView view;

    /**
     * One read of everything the views show.
     *
     * @param stats      counts by state, counters, participants, the reaper.
     * @param nowEpochMs when it was read.
     * @param readNanos  System.nanoTime() of the read, for rates.
     */
    record Snapshot(QueueStats stats, long nowEpochMs, long readNanos)
    {
    }

    /**
     * One slot that does not hold FREE for a later position, as the read model decodes it, with the words shown.
     *
     * @param decoded what it holds (sequence, content, position, state, holder, generation, why invalid).
     * @param head    the first payload bytes (none if the length is impossible).
     */
    record Slot(int ring, int index, DecodedSlot decoded, long deadlineWord, long messageId, int deliveries,
        int length, boolean lengthValid, byte[] head)
    {
        /** @return the sequence without the skipped bit: never a huge negative number. */
        long sequenceValue()
        {
            return decoded.sequence() & ~SlotDescriptor.SKIPPED_BIT;
        }
    }

    private QueueInspector(final Path path, final QueueView view)
    {
        this.path = path;
        this.view = view;
    }

    /**
     * Maps and validates the file read-only.
     *
     * @param path the queue file.
     * @return the inspector.
     */
    static QueueInspector open(final Path path)
    {
        return new QueueInspector(path, QueueView.open(path));
    }

    Snapshot read()
    {
        final long now = System.currentTimeMillis();
        return new Snapshot(QueueStats.read(view, now), now, System.nanoTime());
    }

    private HeaderFlyweight header()
    {
        return view.header();
    }

    private String ringName(final int ring)
    {
        return view.layout().isDeadLetterRing(ring) ? DEAD_LETTER_RING : Integer.toString(ring);
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
        final var geometry = view.geometry();
        final HeaderFlyweight header = header();
        final long creator = header.creatorPid();
        out.println("queue      " + path.toAbsolutePath());
        out.println("layout     v" + header.layoutVersion() + ", created " +
            Instant.ofEpochMilli(header.createdEpochMs()) + " (" + Text.age(snapshot.nowEpochMs() -
            header.createdEpochMs()) + " ago) by pid " + creator + " (" + processState(creator) + "), " +
            Text.bytes(geometry.fileLength()) + "; read-only view, nothing attached");
        out.println("state      " + (stats.sealed() ? "SEALED: takes no more messages" +
            (isDrained(stats) ? "; drained: end of stream" : "; draining") : "open"));
        out.println("geometry   " + geometry.lanes() + (geometry.lanes() == 1 ? " lane" : " lanes") + " x " +
            geometry.laneCapacity() + " slots, max payload " + geometry.maxPayloadLength() + " B (slot " +
            geometry.slotLength() + " B), dead-letter ring " + geometry.deadLetterCapacity() + " slots, " +
            geometry.participantCapacity() + " participant rows");
        out.println("settings   lease timeout " + Durations.format(Duration.ofMillis(header.leaseTimeoutMs())) +
            ", heartbeat timeout " + Durations.format(Duration.ofMillis(header.heartbeatTimeoutMs())) +
            ", max deliveries " + header.maxDeliveries());
        out.println("reaper     " + reaperText(stats, snapshot.nowEpochMs()));
        out.println();

        final String laneFormat = "%-6s %8s %8s %10s %8s %8s %8s %8s %8s %8s %12s %12s %12s %12s%n";
        out.printf(Locale.ROOT, laneFormat, "lane", "ready", "leased", "redelivery", "oldest", "claimed", "moving",
            "free", "invalid", "capacity", "tail", "cursor", "head", "full epoch");
        for (int i = stats.lanes().size() - 1; i >= 0; i--)
        {
            final QueueStats.LaneStats lane = stats.lanes().get(i);
            printLane(out, laneFormat, Integer.toString(lane.lane()), lane);
        }
        out.printf(Locale.ROOT, laneFormat, "all", stats.ready(), stats.leased(), stats.redelivery(),
            ageText(stats.oldestReadyAgeMs()),
            stats.lanes().stream().mapToInt(QueueStats.LaneStats::claimed).sum(),
            stats.lanes().stream().mapToInt(l -> l.deadLettering() + l.parked()).sum(),
            stats.free(), stats.lanes().stream().mapToInt(QueueStats.LaneStats::invalid).sum(), stats.capacity(),
            "", "", "", "");
        final QueueStats.LaneStats dead = stats.deadLetters();
        printLane(out, laneFormat, DEAD_LETTER_RING, dead);
        out.println("dead letters: " + stats.deadLettered() + " of " + dead.capacity() + " slots in use" +
            (dead.leased() > 0 ? " (" + dead.leased() + " being read)" : ""));
        if (stats.ready() + stats.redelivery() > 0)
        {
            out.println("oldest: age of the lane's oldest ready or redelivery message (-: none whose enqueue time " +
                "is known)");
        }
        final int invalid = invalidTotal(stats);
        if (invalid > 0)
        {
            out.println("WARNING: " + invalid + " slots hold words no run of the protocol leaves (corrupt?): " +
                "see inspect --slots and docs/layout.md \"Impossible words\"");
        }
        if (anyFullEpochOdd(stats))
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
            Text.age(header.heartbeatTimeoutMs()) + "; roles: docs/operations.md)"));
        if (!rows.isEmpty())
        {
            final String rowFormat = "  %5s %8s %-20s %-6s %-5s %-8s %14s %7s  %s%n";
            out.printf(Locale.ROOT, rowFormat, "id", "pid", "role", "reaper", "alive", "process", "heartbeat age",
                "leases", "row");
            for (final QueueStats.ParticipantStats row : rows)
            {
                out.printf(Locale.ROOT, rowFormat, row.id(), row.pid(), row.role(), row.reaper() ? "yes" : "",
                    row.alive() ? "yes" : "no", row.processAlive() ? "running" : "gone",
                    Text.age(row.heartbeatAgeMs()) + (row.heartbeatFresh() ? "" : " (stale)"), row.leases(),
                    row.rowState());
                final QueueStats.BridgeStats bridge = row.bridge();
                if (bridge != null)
                {
                    out.printf(Locale.ROOT, "  %5s %s: published %d confirmed %d duplicates %d in-flight %d%n", "",
                        row.role(), bridge.published(), bridge.confirmed(), bridge.duplicates(), bridge.inFlight());
                }
            }
        }
    }

    private String reaperText(final QueueStats stats, final long nowEpochMs)
    {
        final long lastPass = stats.reaperHeartbeatEpochMs();
        final String pass = lastPass == 0 ? "no pass yet" :
            "last pass " + Text.age(nowEpochMs - lastPass) + " ago (" + Instant.ofEpochMilli(lastPass) + ")";
        if (stats.reaperParticipant() < 0)
        {
            return "none elected (the next attached process takes the role); " + pass;
        }
        final QueueStats.ParticipantStats row = stats.participants().stream()
            .filter(p -> p.id() == stats.reaperParticipant()).findFirst().orElse(null);
        return "participant " + stats.reaperParticipant() +
            (row == null ? " (its row is free: the role passes on at the next election)" :
            " (pid " + row.pid() + ", " + (row.processAlive() ? "running" : "gone") + ")") + ", " + pass;
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
        final PrintWriter out, final String format, final String name, final QueueStats.LaneStats lane)
    {
        out.printf(Locale.ROOT, format, name, lane.ready(), lane.leased(), lane.requeued(),
            ageText(lane.oldestReadyAgeMs()), lane.claimed(),
            lane.deadLettering() + lane.parked() + lane.redriving(), lane.free(), lane.invalid(), lane.capacity(),
            lane.tail(),
            lane.leaseCursor(), lane.headHint(),
            lane.fullEpoch() + (LaneFlyweight.isFullEpochOdd(lane.fullEpoch()) ? " " + FULL_EPOCH_ODD_MARK : ""));
    }

    /**
     * @param ageMs an age from the read model, -1 for none known.
     * @return the age as text, "-" for none.
     */
    private static String ageText(final long ageMs)
    {
        return ageMs < 0 ? "-" : Text.age(ageMs);
    }

    private static boolean anyFullEpochOdd(final QueueStats stats)
    {
        return LaneFlyweight.isFullEpochOdd(stats.deadLetters().fullEpoch()) ||
            stats.lanes().stream().anyMatch(l -> LaneFlyweight.isFullEpochOdd(l.fullEpoch()));
    }

    private static int invalidTotal(final QueueStats stats)
    {
        return stats.lanes().stream().mapToInt(QueueStats.LaneStats::invalid).sum() + stats.deadLetters().invalid();
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
    // JSON (docs/inspect-schema.json describes every field)
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
        final var geometry = view.geometry();
        final HeaderFlyweight header = header();
        final ObjectNode json = JsonLines.object()
            .put("path", path.toAbsolutePath().toString())
            .put("layoutVersion", header.layoutVersion())
            .put("lanes", geometry.lanes())
            .put("capacity", geometry.laneCapacity())
            .put("slotSize", geometry.maxPayloadLength())
            .put("slotLength", geometry.slotLength())
            .put("leaseTimeoutMs", header.leaseTimeoutMs())
            .put("heartbeatTimeoutMs", header.heartbeatTimeoutMs())
            .put("maxDeliveries", header.maxDeliveries())
            .put("deadLetterCapacity", geometry.deadLetterCapacity())
            .put("participantCapacity", geometry.participantCapacity())
            .put("fileLength", geometry.fileLength())
            .put("createdEpochMs", header.createdEpochMs())
            .put("creatorPid", header.creatorPid())
            .put("readEpochMs", snapshot.nowEpochMs())
            .put("sealed", stats.sealed())
            .put("ready", stats.ready())
            .put("leased", stats.leased())
            .put("redelivery", stats.redelivery())
            .put("claimed", stats.lanes().stream().mapToInt(QueueStats.LaneStats::claimed).sum())
            .put("moving", stats.lanes().stream().mapToInt(l -> l.deadLettering() + l.parked()).sum())
            .put("free", stats.free())
            .put("invalid", invalidTotal(stats))
            .put("totalCapacity", stats.capacity())
            .put("deadLettered", stats.deadLettered());

        final ObjectNode reaper = json.putObject("reaper");
        if (stats.reaperParticipant() < 0)
        {
            reaper.putNull("participant");
        }
        else
        {
            reaper.put("participant", stats.reaperParticipant());
        }
        reaper.put("lastPassEpochMs", stats.reaperHeartbeatEpochMs());
        if (stats.reaperHeartbeatEpochMs() == 0)
        {
            reaper.putNull("lastPassAgeMs");
        }
        else
        {
            reaper.put("lastPassAgeMs", snapshot.nowEpochMs() - stats.reaperHeartbeatEpochMs());
        }

        final ObjectNode counters = json.putObject("counters");
        for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
        {
            counters.put(CounterIndex.name(i), stats.counters()[i]);
        }
        if (previous != null)
        {
            final double seconds = (snapshot.readNanos() - previous.readNanos()) / 1e9;
            final ObjectNode rates = json.putObject("rates");
            for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
            {
                rates.put(CounterIndex.name(i),
                    JsonLines.rounded(rate(stats.counters()[i], previous.stats().counters()[i], seconds)));
            }
        }

        final ArrayNode participants = json.putArray("participants");
        for (final QueueStats.ParticipantStats row : stats.participants())
        {
            final ObjectNode participant = participants.addObject();
            final QueueStats.BridgeStats bridge = row.bridge();
            if (bridge != null)
            {
                participant.putObject("bridge")
                    .put("published", bridge.published())
                    .put("confirmed", bridge.confirmed())
                    .put("duplicates", bridge.duplicates())
                    .put("inFlight", bridge.inFlight());
            }
            participant
                .put("id", row.id())
                .put("pid", row.pid())
                .put("role", row.role())
                .put("reaper", row.reaper())
                .put("alive", row.alive())
                .put("processAlive", row.processAlive())
                .put("heartbeatFresh", row.heartbeatFresh())
                .put("heartbeatAgeMs", row.heartbeatAgeMs())
                .put("leases", row.leases())
                .put("rowState", row.rowState());
        }

        final ArrayNode lanes = json.putArray("perLane");
        for (final QueueStats.LaneStats lane : stats.lanes())
        {
            laneJson(lanes.addObject(), lane);
        }
        laneJson(json.putObject("deadLetterRing"), stats.deadLetters());

        if (slots != null)
        {
            json.put("slotsTruncated", slots.size() > slotLimit);
            final ArrayNode array = json.putArray("slots");
            for (int i = 0; i < Math.min(slots.size(), slotLimit); i++)
            {
                slotJson(array.addObject(), slots.get(i), snapshot.nowEpochMs());
            }
        }
        return JsonLines.line(json);
    }

    private static void laneJson(final ObjectNode json, final QueueStats.LaneStats lane)
    {
        json
            .put("lane", lane.lane())
            .put("capacity", lane.capacity())
            .put("tail", lane.tail())
            .put("leaseCursor", lane.leaseCursor())
            .put("headHint", lane.headHint())
            .put("free", lane.free())
            .put("claimed", lane.claimed())
            .put("ready", lane.ready())
            .put("leased", lane.leased())
            .put("redelivery", lane.requeued())
            .put("deadLettering", lane.deadLettering())
            .put("parked", lane.parked())
            .put("redriving", lane.redriving())
            .put("invalid", lane.invalid())
            .put("fullEpoch", lane.fullEpoch())
            .put("fullEpochOdd", LaneFlyweight.isFullEpochOdd(lane.fullEpoch()))
            .put("oldestReadyEnqueuedEpochMs", lane.oldestReadyEnqueuedEpochMs());
        if (lane.oldestReadyAgeMs() < 0)
        {
            json.putNull("oldestReadyAgeMs");
        }
        else
        {
            json.put("oldestReadyAgeMs", lane.oldestReadyAgeMs());
        }
    }

    private void slotJson(final ObjectNode json, final Slot slot, final long nowEpochMs)
    {
        final DecodedSlot decoded = slot.decoded();
        json.put("ring", ringName(slot.ring()))
            .put("index", slot.index())
            .put("sequence", slot.sequenceValue())
            .put("skipped", decoded.skipped());
        if (decoded.skipped())
        {
            json.put("skippedThrough", decoded.skippedThrough());
        }
        json
            .put("position", decoded.position())
            .put("content", decoded.content().name().toLowerCase(Locale.ROOT))
            .put("state", decoded.stateName())
            .put("holder", decoded.holder());
        if (decoded.holder() != LeaseState.NO_HOLDER)
        {
            json.put("participant", decoded.holder() - 1);
        }
        if (decoded.invalid())
        {
            json.put("invalid", decoded.impossible().name());
        }
        json
            .put("generation", decoded.generation())
            .put("deliveries", slot.deliveries())
            .put("id", slot.messageId())
            .put("length", slot.length());
        if (decoded.enqueueTimeKnown())
        {
            json.put("enqueuedEpochMs", decoded.enqueuedEpochMs())
                .put("ageMs", decoded.ageMs(nowEpochMs));
        }
        final Long left = deadlineLeftMs(slot, nowEpochMs);
        if (left != null)
        {
            json.put("deadlineInMs", left.longValue());
        }
        if (slot.lengthValid())
        {
            final String text = Hex.utf8OrNull(slot.head());
            json.put("headHex", Hex.digits(slot.head()));
            if (text != null)
            {
                json.put("headText", text);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Slots
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Reads every slot that holds something (a claim, a message, a message being freed, or impossible words), ring by
     * ring (lanes, then the dead-letter ring), through the read model.
     *
     * @param limit stop after this many plus one (the extra one says "there are more").
     * @return the slots read.
     */
    List<Slot> readSlots(final int limit)
    {
        final QueueLayout layout = view.layout();
        final int maxPayload = view.geometry().maxPayloadLength();
        final List<Slot> slots = new ArrayList<>();
        for (int ring = 0; ring < layout.ringCount(); ring++)
        {
            final long tail = view.lane(ring).tail();
            for (int index = 0; index < layout.capacity(ring); index++)
            {
                final DecodedSlot decoded = view.decode(ring, index, tail);
                if (decoded.content() == DecodedSlot.Content.FREE)
                {
                    continue;
                }
                if (slots.size() > limit)
                {
                    return slots;
                }
                final SlotFlyweight slot = view.slot(ring, index);
                final int length = slot.payloadLength();
                final boolean lengthValid = length >= 0 && length <= maxPayload;
                final byte[] head = new byte[lengthValid ? Math.min(length, Hex.PREVIEW_BYTES) : 0];
                slot.payloadBytes(head);
                slots.add(new Slot(ring, index, decoded, slot.deadlineWord(), slot.messageId(), slot.deliveryCount(),
                    length, lengthValid, head));
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
     * @param nowEpochMs to show lease deadlines as time left, and messages' ages.
     */
    void printSlots(final PrintWriter out, final List<Slot> slots, final int limit, final long nowEpochMs)
    {
        if (slots.isEmpty())
        {
            out.println("slots: every slot is FREE");
            return;
        }
        final String format = "%-4s %8s %-24s %-14s %6s %10s %10s %20s %8s %8s %-14s %s%n";
        out.printf(Locale.ROOT, format, "ring", "slot", "position", "state", "holder", "generation", "deliveries",
            "id", "length", "age", "deadline", "preview (hex, ascii)");
        for (int i = 0; i < Math.min(slots.size(), limit); i++)
        {
            final Slot slot = slots.get(i);
            final DecodedSlot decoded = slot.decoded();
            final Long left = deadlineLeftMs(slot, nowEpochMs);
            final String preview = slot.lengthValid() ? Hex.preview(slot.head(), slot.length()) :
                "(corrupt length: max payload is " + view.geometry().maxPayloadLength() + ")";
            out.printf(Locale.ROOT, format, ringName(slot.ring()), slot.index(), positionText(decoded),
                stateText(decoded), decoded.holder() == LeaseState.NO_HOLDER ? "-" : "p" + (decoded.holder() - 1),
                decoded.generation(), slot.deliveries(), MessageIds.text(slot.messageId()), slot.length(),
                ageText(decoded.ageMs(nowEpochMs)),
                left == null ? "-" : left >= 0 ? "in " + Text.age(left) : "overdue " + Text.age(-left),
                decoded.invalid() ? "INVALID: " + decoded.impossible().description() + "; " + preview : preview);
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
    static String positionText(final DecodedSlot slot)
    {
        return slot.skipped() ? slot.position() + " skipped to " + slot.skippedThrough() :
            Long.toString(slot.position());
    }

    /**
     * @return the state, with what the words say beyond it: a claim or a free half done, or impossible words.
     */
    static String stateText(final DecodedSlot slot)
    {
        return switch (slot.content())
        {
            case FREEING -> "FREE(freeing)";
            case CLAIMED -> slot.state() == LeaseState.CLAIMED ? "CLAIMED" : slot.stateName() + "(claim)";
            case INVALID -> slot.stateName() + "!";
            default -> slot.stateName();
        };
    }

    /**
     * @return ms left on the lease of a LEASED slot whose deadline word carries its generation; null otherwise.
     */
    private Long deadlineLeftMs(final Slot slot, final long nowEpochMs)
    {
        final DecodedSlot decoded = slot.decoded();
        if (decoded.state() != LeaseState.LEASED ||
            !SlotDescriptor.deadlineBelongsTo(slot.deadlineWord(), (int)decoded.generation()))
        {
            return null;
        }
        final long since = SlotDescriptor.deadlineSinceCreated(slot.deadlineWord());
        if (since == SlotDescriptor.DEADLINE_EXPIRING)
        {
            return 0L;
        }
        return header().createdEpochMs() + since - nowEpochMs;
    }

    @Override
    public void close()
    {
        view.close();
    }
}
