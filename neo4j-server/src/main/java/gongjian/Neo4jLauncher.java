package gongjian;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.io.ByteUnit;

/**
 * A local Neo4j Community server for gongjian's development and CI: one embedded
 * DatabaseManagementService with Bolt on 127.0.0.1, HTTP off and auth on.
 *
 * <pre>
 * java [JVM flags] -cp 'target/classes:target/dependency/*' gongjian.Neo4jLauncher \
 *     --home DIR --port 7687 --password-file FILE [--page-cache 256m]
 * </pre>
 *
 * The password of user neo4j is read from the file (never from the command line) and set in the
 * system database on every start, so a new password file takes effect on the next start. On the
 * very first start the password is set with Bolt still off, so the default neo4j/neo4j login is
 * never reachable. Runs until killed; a shutdown hook stops the DBMS cleanly on SIGTERM or SIGINT.
 */
public final class Neo4jLauncher {
    static final String READY = "gongjian-neo4j: ready on bolt://";
    private static final String INITIALIZED_MARKER = "gongjian-password-set";

    private Neo4jLauncher() {}

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (Throwable e) {
            // The stack trace, then the causes in one short block: the end of the log says what went wrong.
            e.printStackTrace();
            System.out.println("gongjian-neo4j: could not start:");
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                System.out.println("  " + cause);
            }
            System.out.flush();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        Path home = Path.of(required(options, "home")).toAbsolutePath();
        int port = Integer.parseInt(required(options, "port"));
        String password = readPassword(Path.of(required(options, "password-file")));
        long pageCache = ByteUnit.parse(options.getOrDefault("page-cache", "256m"));

        Files.createDirectories(home);
        Path marker = home.resolve(INITIALIZED_MARKER);
        if (!Files.exists(marker)) {
            // First start: create the system database and set the password with Bolt off.
            DatabaseManagementService bootstrap = build(home, port, pageCache, false);
            try {
                setPassword(bootstrap, password);
            } finally {
                bootstrap.shutdown();
            }
            Files.writeString(marker, "the password of user neo4j was set from the password file\n");
        }

        DatabaseManagementService dbms = build(home, port, pageCache, true);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("gongjian-neo4j: stopping");
                            dbms.shutdown();
                            System.out.println("gongjian-neo4j: stopped");
                            stopped.countDown();
                        },
                        "gongjian-neo4j-shutdown"));
        setPassword(dbms, password);
        System.out.println(READY + "127.0.0.1:" + port);
        stopped.await();
    }

    private static DatabaseManagementService build(Path home, int port, long pageCache, boolean bolt) {
        Map<Setting<?>, Object> config = new HashMap<>();
        config.put(GraphDatabaseSettings.auth_enabled, true);
        config.put(BoltConnector.enabled, bolt);
        config.put(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port));
        config.put(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED);
        config.put(HttpConnector.enabled, false);
        config.put(HttpsConnector.enabled, false);
        config.put(GraphDatabaseSettings.pagecache_memory, pageCache);
        // No server-wide limit: each transaction (the app's read-only runner) sets its own timeout.
        config.put(GraphDatabaseSettings.transaction_timeout, Duration.ZERO);
        config.put(GraphDatabaseSettings.keep_logical_logs, "512M size");
        config.put(GraphDatabaseSettings.udc_enabled, false);
        // Bolt stops after the databases, so there is nothing left to drain: stop in 1 s, not 2 x 5 s.
        config.put(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1));
        config.put(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1));
        return new DatabaseManagementServiceBuilder(home).setConfig(config).build();
    }

    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME)
                    .executeTransactionally(
                            "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                            Map.of("password", password));
        } catch (QueryExecutionException e) {
            // Restarting with the same password file: the password is already the one in the file.
            if (!String.valueOf(e.getMessage()).contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }
    }

    private static String readPassword(Path file) throws IOException {
        String password = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (password.isEmpty()) {
            throw new IllegalArgumentException("The password file " + file + " is empty.");
        }
        return password;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException(
                        "usage: Neo4jLauncher --home DIR --port N --password-file FILE [--page-cache 256m]");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }
}
