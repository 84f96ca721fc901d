package io.ipcq.bridge;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a bridge is told: where the server is, which stream, how to log in, how much may be in flight.
 * Built with {@link #builder(String, String)}; immutable.
 *
 * @param natsUrl         server URL as jnats takes it ({@code nats://host:port}, {@code tls://...}, with user and
 *                        password in it if the server wants them); several comma-separated.
 * @param stream          the JetStream stream.
 * @param subjectPrefix   lane L travels on subject {@code <prefix>.lane.<L>}; the stream name by default.
 * @param credentials     a NATS credentials file (JWT + NKey seed), or null.
 * @param trustStore      a JKS/PKCS12 trust store for TLS, or null.
 * @param trustStorePassword its password, or null.
 * @param keyStore        a key store with the client certificate for mutual TLS, or null.
 * @param keyStorePassword its password, or null.
 * @param createStream    create the stream when it is missing (else a missing stream is an error).
 * @param publishWindow   out: publishes awaiting JetStream's answer at most (the local leases held).
 * @param pullBatch       in: messages asked for per pull.
 * @param consumerName    in: durable consumer name prefix; lane L's consumer is {@code <name>-lane-<L>}.
 * @param ackWait         in: JetStream's ack wait for the durable consumers it creates.
 * @param dedupeWindow    the duplicate window of a stream created here.
 * @param connectTimeout  how long the first connection may take before the server counts as unreachable.
 */
public record BridgeSettings(
    String natsUrl,
    String stream,
    String subjectPrefix,
    Path credentials,
    Path trustStore,
    String trustStorePassword,
    Path keyStore,
    String keyStorePassword,
    boolean createStream,
    int publishWindow,
    int pullBatch,
    String consumerName,
    Duration ackWait,
    Duration dedupeWindow,
    Duration connectTimeout)
{
    public static final int DEFAULT_PUBLISH_WINDOW = 256;
    public static final int DEFAULT_PULL_BATCH = 256;
    public static final String DEFAULT_CONSUMER_NAME = "ipcq-bridge-in";
    public static final Duration DEFAULT_ACK_WAIT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_DEDUPE_WINDOW = Duration.ofMinutes(2);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    public BridgeSettings
    {
        Objects.requireNonNull(natsUrl, "natsUrl");
        Objects.requireNonNull(stream, "stream");
        if (!isToken(stream))
        {
            throw new IllegalArgumentException("stream name '" + stream + "' is not valid: letters, digits, - and _ " +
                "only");
        }
        if (subjectPrefix == null || subjectPrefix.isEmpty())
        {
            subjectPrefix = stream;
        }
        if (publishWindow < 1 || publishWindow > 65536)
        {
            throw new IllegalArgumentException("publish window " + publishWindow + " is out of range 1..65536");
        }
        if (pullBatch < 1 || pullBatch > 65536)
        {
            throw new IllegalArgumentException("pull batch " + pullBatch + " is out of range 1..65536");
        }
        if (!isToken(consumerName))
        {
            throw new IllegalArgumentException("consumer name '" + consumerName + "' is not valid: letters, digits, " +
                "- and _ only");
        }
        if (ackWait.toMillis() < 100)
        {
            throw new IllegalArgumentException("ack wait " + ackWait.toMillis() + " ms is below 100 ms");
        }
    }

    /**
     * @return the server URL as messages print it: a password in it is masked.
     */
    public String printableUrl()
    {
        return natsUrl.replaceAll("(://[^:/@,]*):[^@/,]*@", "$1:***@");
    }

    /**
     * @param lane a lane.
     * @return its subject.
     */
    public String subject(final int lane)
    {
        return subjectPrefix + ".lane." + lane;
    }

    private static boolean isToken(final String name)
    {
        return name != null && !name.isEmpty() && name.chars().allMatch(
            c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
    }

    public static Builder builder(final String natsUrl, final String stream)
    {
        return new Builder(natsUrl, stream);
    }

    public static final class Builder
    {
        private final String natsUrl;
        private final String stream;
        private String subjectPrefix;
        private Path credentials;
        private Path trustStore;
        private String trustStorePassword;
        private Path keyStore;
        private String keyStorePassword;
        private boolean createStream;
        private int publishWindow = DEFAULT_PUBLISH_WINDOW;
        private int pullBatch = DEFAULT_PULL_BATCH;
        private String consumerName = DEFAULT_CONSUMER_NAME;
        private Duration ackWait = DEFAULT_ACK_WAIT;
        private Duration dedupeWindow = DEFAULT_DEDUPE_WINDOW;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

        private Builder(final String natsUrl, final String stream)
        {
            this.natsUrl = natsUrl;
            this.stream = stream;
        }

        public Builder subjectPrefix(final String prefix)
        {
            this.subjectPrefix = prefix;
            return this;
        }

        public Builder credentials(final Path file)
        {
            this.credentials = file;
            return this;
        }

        public Builder trustStore(final Path file, final String password)
        {
            this.trustStore = file;
            this.trustStorePassword = password;
            return this;
        }

        public Builder keyStore(final Path file, final String password)
        {
            this.keyStore = file;
            this.keyStorePassword = password;
            return this;
        }

        public Builder createStream(final boolean create)
        {
            this.createStream = create;
            return this;
        }

        public Builder publishWindow(final int window)
        {
            this.publishWindow = window;
            return this;
        }

        public Builder pullBatch(final int batch)
        {
            this.pullBatch = batch;
            return this;
        }

        public Builder consumerName(final String name)
        {
            this.consumerName = name;
            return this;
        }

        public Builder ackWait(final Duration wait)
        {
            this.ackWait = wait;
            return this;
        }

        public Builder dedupeWindow(final Duration window)
        {
            this.dedupeWindow = window;
            return this;
        }

        public Builder connectTimeout(final Duration timeout)
        {
            this.connectTimeout = timeout;
            return this;
        }

        public BridgeSettings build()
        {
            return new BridgeSettings(natsUrl, stream, subjectPrefix, credentials, trustStore, trustStorePassword,
                keyStore, keyStorePassword, createStream, publishWindow, pullBatch, consumerName, ackWait,
                dedupeWindow, connectTimeout);
        }
    }
}
