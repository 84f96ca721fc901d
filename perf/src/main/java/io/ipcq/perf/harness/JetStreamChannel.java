package io.ipcq.perf.harness;

import io.ipcq.bridge.BridgeSettings;
import io.ipcq.bridge.LocalNatsServer;
import io.ipcq.bridge.NatsLink;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The bridge scenario's baseline: plain JetStream with jnats, no ipcq. Side A publishes with {@code publishAsync}
 * (at most 256 unanswered, as bridge out's default window) to a work-queue stream on a loopback nats-server (file
 * storage, as the bridge's, but no message limit: the window alone bounds what is in flight); side B pulls batches of
 * 256 (bridge in's default) from a durable consumer and acks each message. Both connect as the bridge does
 * ({@link NatsLink}), so the two rows differ by ipcq and the bridge only.
 */
final class JetStreamChannel implements Channel
{
    private static final String STREAM = "BENCH_JS";
    private static final String SUBJECT = STREAM + ".lane.0";
    private static final String CONSUMER = "bench-js";
    private static final int WINDOW = BridgeSettings.DEFAULT_PUBLISH_WINDOW;
    private static final int BATCH = BridgeSettings.DEFAULT_PULL_BATCH;

    private final boolean created;
    private final LocalNatsServer server;
    private final NatsLink link;
    private final JetStream jetStream;
    private JetStreamSubscription subscription;

    JetStreamChannel(final Path runDir, final boolean create, final int capacity)
    {
        this.created = create;
        final Path urlFile = runDir.resolve("jetstream-nats.url");
        try
        {
            if (create)
            {
                server = LocalNatsServer.start(runDir.resolve("jetstream-nats-store"));
                Files.writeString(urlFile, server.url(), StandardCharsets.UTF_8);
            }
            else
            {
                server = null;
            }
            link = NatsLink.connect(BridgeSettings.builder(Files.readString(urlFile, StandardCharsets.UTF_8).strip(),
                STREAM).connectTimeout(Duration.ofSeconds(20)).build());
            jetStream = link.jetStream();
            if (create)
            {
                link.management().addStream(StreamConfiguration.builder().name(STREAM)
                    .subjects(SUBJECT).retentionPolicy(RetentionPolicy.WorkQueue).discardPolicy(DiscardPolicy.New)
                    .storageType(StorageType.File).duplicateWindow(Duration.ofMinutes(2))
                    .build());
                link.management().addOrUpdateConsumer(STREAM, ConsumerConfiguration.builder()
                    .durable(CONSUMER).filterSubject(SUBJECT).ackPolicy(AckPolicy.Explicit)
                    .ackWait(Duration.ofSeconds(30)).maxDeliver(-1).maxAckPending(4 * BATCH).build());
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("jetstream scenario: " + ex.getMessage(), ex);
        }
        catch (final JetStreamApiException ex)
        {
            throw new IllegalStateException("jetstream scenario: " + ex.getErrorDescription(), ex);
        }
    }

    @Override
    public Sender sender(final int index)
    {
        return new JetStreamSender();
    }

    @Override
    public synchronized Receiver receiver(final int index)
    {
        if (subscription == null)
        {
            try
            {
                subscription = jetStream.subscribe(SUBJECT, PullSubscribeOptions.bind(STREAM, CONSUMER));
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            catch (final JetStreamApiException ex)
            {
                throw new IllegalStateException(ex.getErrorDescription(), ex);
            }
        }
        return new JetStreamReceiver(subscription);
    }

    @Override
    public void close()
    {
        link.close();
        if (created)
        {
            server.close();
        }
    }

    private final class JetStreamSender implements Sender
    {
        private final ArrayDeque<CompletableFuture<PublishAck>> unanswered = new ArrayDeque<>(WINDOW);

        @Override
        public boolean offer(final long intendedNs, final long sequence, final long sentNs)
        {
            final Iterator<CompletableFuture<PublishAck>> answers = unanswered.iterator();
            while (answers.hasNext())
            {
                final CompletableFuture<PublishAck> answer = answers.next();
                if (!answer.isDone())
                {
                    break;
                }
                answers.remove();
                if (answer.isCompletedExceptionally())
                {
                    // The stream has no limit: a refused publish is a broken run, not back-pressure.
                    throw new IllegalStateException("JetStream refused a publish: " + answer.handle((ok, ex) -> ex)
                        .join());
                }
            }
            if (unanswered.size() >= WINDOW)
            {
                return false;
            }
            final byte[] data = new byte[MESSAGE_LENGTH];
            final ByteBuffer message = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            message.putLong(INTENDED_OFFSET, intendedNs).putLong(SEQUENCE_OFFSET, sequence)
                .putLong(SENT_OFFSET, sentNs);
            unanswered.add(jetStream.publishAsync(SUBJECT, data));
            return true;
        }
    }

    private static final class JetStreamReceiver implements Receiver
    {
        private final JetStreamSubscription subscription;
        private final ArrayDeque<Message> batch = new ArrayDeque<>(BATCH);

        JetStreamReceiver(final JetStreamSubscription subscription)
        {
            this.subscription = subscription;
        }

        @Override
        public int poll(final MessageSink sink)
        {
            if (batch.isEmpty())
            {
                final List<Message> pulled = subscription.fetch(BATCH, Duration.ofMillis(1));
                batch.addAll(pulled);
                if (batch.isEmpty())
                {
                    return 0;
                }
            }
            final Message message = batch.poll();
            final ByteBuffer data = ByteBuffer.wrap(message.getData()).order(ByteOrder.LITTLE_ENDIAN);
            sink.onMessage(data.getLong(INTENDED_OFFSET), data.getLong(SEQUENCE_OFFSET), data.getLong(SENT_OFFSET));
            message.ack();
            return 1;
        }
    }
}
