package io.ipcq.bridge;

import io.ipcq.IpcQueue;
import io.nats.client.AuthenticationException;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

/**
 * The connection a bridge works through, and the checks made before any message moves: the server answers, the
 * credentials are taken, JetStream is there, the stream exists (or is created) and its limits can hold the queue's
 * messages without ever dropping one. Every refusal is a {@link BridgeException} with one line that names the value
 * at fault.
 */
public final class NatsLink implements AutoCloseable
{
    /** JetStream's error code for "stream not found". */
    static final int STREAM_NOT_FOUND = 10059;
    /** Bytes of headers a message carries besides the queue identity, twice in it (docs/bridge.md, Headers). */
    private static final int HEADER_OVERHEAD = 256;

    private final BridgeSettings settings;
    private final Connection connection;
    private final JetStream jetStream;
    private final JetStreamManagement management;

    private NatsLink(final BridgeSettings settings, final Connection connection) throws IOException
    {
        this.settings = settings;
        this.connection = connection;
        this.jetStream = connection.jetStream();
        this.management = connection.jetStreamManagement();
    }

    /**
     * Connects; after the first connection, jnats reconnects by itself for as long as the bridge runs (a restarted
     * server is met again, with the same stream and consumers on its disk).
     *
     * @param settings where and how.
     * @return the link.
     * @throws BridgeException if the server cannot be reached or refuses the credentials.
     */
    public static NatsLink connect(final BridgeSettings settings)
    {
        final Options.Builder options = new Options.Builder()
            .server(settings.natsUrl())
            .connectionName("ipcq-bridge")
            .connectionTimeout(settings.connectTimeout())
            .maxReconnects(-1)
            .reconnectWait(Duration.ofMillis(250))
            .errorListener(new ErrorListener()
            {
                // jnats logs every error on stderr by default; the bridge reports its own failures in one line.
            });
        if (settings.credentials() != null)
        {
            if (!Files.isReadable(settings.credentials()))
            {
                throw new BridgeException("cannot read the credentials file " + settings.credentials());
            }
            options.authHandler(Nats.credentials(settings.credentials().toString()));
        }
        if (settings.trustStore() != null)
        {
            options.truststorePath(settings.trustStore().toString());
            if (settings.trustStorePassword() != null)
            {
                options.truststorePassword(settings.trustStorePassword().toCharArray());
            }
        }
        if (settings.keyStore() != null)
        {
            options.keystorePath(settings.keyStore().toString());
            if (settings.keyStorePassword() != null)
            {
                options.keystorePassword(settings.keyStorePassword().toCharArray());
            }
        }
        final Options built;
        try
        {
            built = options.build();
        }
        catch (final RuntimeException ex)
        {
            throw new BridgeException("bad NATS options (" + settings.printableUrl() + "): " + describe(ex), ex);
        }
        try
        {
            return new NatsLink(settings, Nats.connect(built));
        }
        catch (final AuthenticationException ex)
        {
            throw new BridgeException("the NATS server at " + settings.printableUrl() + " refused the credentials: " +
                describe(ex), ex);
        }
        catch (final IOException ex)
        {
            if (isAuthFailure(ex))
            {
                throw new BridgeException("the NATS server at " + settings.printableUrl() + " refused the credentials: " +
                    describe(ex), ex);
            }
            throw new BridgeException("cannot reach the NATS server at " + settings.printableUrl() + ": " + describe(ex),
                ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new BridgeException("interrupted while connecting to " + settings.printableUrl(), ex);
        }
        catch (final RuntimeException ex)
        {
            // jnats reads a credentials file at connect: a malformed one surfaces here.
            throw new BridgeException("cannot connect to " + settings.printableUrl() + ": " + describe(ex), ex);
        }
    }

    private static boolean isAuthFailure(final Throwable ex)
    {
        for (Throwable t = ex; t != null; t = t.getCause())
        {
            final String text = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (t instanceof AuthenticationException || text.contains("authorization violation") ||
                text.contains("authentication"))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The stream, checked against the queue; created with limits from the queue's geometry if missing and allowed.
     *
     * @param queue    the local queue (A for out, B for in).
     * @param outbound true for bridge out: the stream must take this queue's messages whole, headers included.
     * @return the stream as the server describes it.
     * @throws BridgeException if it is missing (and not to be created), or cannot hold the queue's messages.
     */
    public StreamConfiguration ensureStream(final IpcQueue queue, final boolean outbound)
    {
        final String stream = settings.stream();
        StreamInfo info;
        try
        {
            info = management.getStreamInfo(stream);
        }
        catch (final JetStreamApiException ex)
        {
            if (ex.getApiErrorCode() != STREAM_NOT_FOUND)
            {
                throw new BridgeException("JetStream at " + settings.printableUrl() + " refused to describe stream " +
                    stream + ": " + ex.getErrorDescription(), ex);
            }
            if (!settings.createStream())
            {
                throw new BridgeException("stream " + stream + " does not exist on " + settings.printableUrl() +
                    " (pass --create-stream to create it)", ex);
            }
            info = create(queue);
        }
        catch (final IOException ex)
        {
            throw new BridgeException("JetStream does not answer at " + settings.printableUrl() + " (is the server " +
                "started with -js?): " + describe(ex), ex);
        }
        final StreamConfiguration config = info.getConfiguration();
        check(config, queue, outbound);
        return config;
    }

    private StreamInfo create(final IpcQueue queue)
    {
        final long maxMessages = (long)queue.lanes() * queue.capacity();
        final long maxMessageSize = maxMessageSize(queue);
        final StreamConfiguration config = StreamConfiguration.builder()
            .name(settings.stream())
            .description("ipcq bridge of " + MessageIdentity.queueIdentity(queue))
            .subjects(settings.subjectPrefix() + ".lane.*")
            .retentionPolicy(RetentionPolicy.WorkQueue)
            .discardPolicy(DiscardPolicy.New)
            .storageType(StorageType.File)
            .duplicateWindow(settings.dedupeWindow())
            .maxMessages(maxMessages)
            .maxMsgSize(maxMessageSize)
            .maxBytes(maxMessages * maxMessageSize)
            .build();
        try
        {
            return management.addStream(config);
        }
        catch (final JetStreamApiException ex)
        {
            throw new BridgeException("cannot create stream " + settings.stream() + " on " + settings.printableUrl() +
                ": " + ex.getErrorDescription(), ex);
        }
        catch (final IOException ex)
        {
            throw new BridgeException("cannot create stream " + settings.stream() + " on " + settings.printableUrl() +
                ": " + describe(ex), ex);
        }
    }

    /**
     * The largest message a bridge of this queue publishes: the payload and its headers.
     */
    static long maxMessageSize(final IpcQueue queue)
    {
        return queue.maxPayloadLength() + HEADER_OVERHEAD + 2L * MessageIdentity.queueIdentity(queue).length();
    }

    private void check(final StreamConfiguration config, final IpcQueue queue, final boolean outbound)
    {
        final String stream = settings.stream();
        final String where = "stream " + stream + " on " + settings.printableUrl();
        for (int lane = 0; lane < queue.lanes(); lane++)
        {
            if (!Subjects.anyMatches(config.getSubjects(), settings.subject(lane)))
            {
                throw new BridgeException(where + " does not take subject " + settings.subject(lane) + " (lane " +
                    lane + "): its subjects are " + config.getSubjects());
            }
        }
        // In: what the stream holds was published by someone else; a payload too long for this queue is found when it
        // arrives, and left in the stream (BridgeIn). Out: the stream must take this queue's messages whole.
        if (outbound)
        {
            final long needed = maxMessageSize(queue);
            if (config.getMaxMsgSize() >= 0 && config.getMaxMsgSize() < needed)
            {
                throw new BridgeException(where + " takes messages of at most " + config.getMaxMsgSize() + " bytes: " +
                    queue.path() + " needs " + needed + " (max payload " + queue.maxPayloadLength() + " plus headers)");
            }
            if (config.getMaxBytes() >= 0 && config.getMaxBytes() < needed)
            {
                throw new BridgeException(where + " holds at most " + config.getMaxBytes() + " bytes: not one message of " +
                    queue.path() + " (" + needed + " bytes) fits");
            }
            if (config.getMaxMsgs() == 0)
            {
                throw new BridgeException(where + " holds no message (max messages 0)");
            }
            final long serverMax = connection.getServerInfo().getMaxPayload();
            if (serverMax > 0 && serverMax < needed)
            {
                throw new BridgeException("the NATS server at " + settings.printableUrl() + " takes messages of at most " +
                    serverMax + " bytes (max_payload): " + queue.path() + " needs " + needed);
            }
        }
        final boolean limited = config.getMaxMsgs() > 0 || config.getMaxBytes() > 0 ||
            config.getMaxMsgsPerSubject() > 0;
        if (config.getDiscardPolicy() == DiscardPolicy.Old && limited)
        {
            throw new BridgeException(where + " discards its oldest messages when full (discard old): it would lose " +
                "messages; use discard new (a full stream is then back-pressure)");
        }
        final Duration maxAge = config.getMaxAge();
        if (maxAge != null && !maxAge.isZero())
        {
            throw new BridgeException(where + " drops messages older than " + maxAge.toMillis() + " ms (max age): " +
                "it would lose messages; use max age 0");
        }
        final Duration dedupe = config.getDuplicateWindow();
        if (dedupe == null || dedupe.isZero())
        {
            throw new BridgeException(where + " has no duplicate window: a bridge restarted after a crash would " +
                "store its unconfirmed messages twice");
        }
    }

    public Connection connection()
    {
        return connection;
    }

    public JetStream jetStream()
    {
        return jetStream;
    }

    public JetStreamManagement management()
    {
        return management;
    }

    public BridgeSettings settings()
    {
        return settings;
    }

    static String describe(final Throwable ex)
    {
        final String text = ex.getMessage();
        return text == null || text.isBlank() ? ex.getClass().getSimpleName() : text.strip();
    }

    @Override
    public void close()
    {
        try
        {
            connection.close();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * NATS subject matching: tokens split on '.', '*' matches one token, '>' the rest (one or more).
     */
    static final class Subjects
    {
        private Subjects()
        {
        }

        static boolean anyMatches(final List<String> patterns, final String subject)
        {
            for (final String pattern : patterns)
            {
                if (matches(pattern, subject))
                {
                    return true;
                }
            }
            return false;
        }

        static boolean matches(final String pattern, final String subject)
        {
            final String[] p = pattern.split("\\.");
            final String[] s = subject.split("\\.");
            for (int i = 0; i < p.length; i++)
            {
                if (p[i].equals(">"))
                {
                    return s.length > i;
                }
                if (i >= s.length || !(p[i].equals("*") || p[i].equals(s[i])))
                {
                    return false;
                }
            }
            return p.length == s.length;
        }
    }
}
