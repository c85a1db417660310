package graphcase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.io.ByteUnit;

/**
 * Neo4j 5 Community (Neo4j's own test server, neo4j-harness) on 127.0.0.1, for graphcase's tests.
 *
 * <p>Arguments: WORK_DIR URI_FILE [BOLT_PORT [PAGE_CACHE [TRANSACTION_MEMORY [COPY_FROM]]]]. TRANSACTION_MEMORY caps
 * what one transaction may use (db.memory.transaction.max; 0 = no cap), so tests can meet the server's memory error
 * without filling the heap. COPY_FROM (optional) is a Neo4j home to start from (its data/ holds databases/ and
 * transactions/), e.g. the NEO4J_HOME that neo4j-admin database import wrote into. Bolt only (no HTTP connector), listening on
 * 127.0.0.1 alone; BOLT_PORT 0 (the default) takes a free port. Auth is on: user neo4j gets the password in
 * the environment variable NEO4J_PASSWORD (never an argument, which any local user could read with ps).
 * Once Bolt listens, its bolt:// URI is written to URI_FILE (atomically). The server runs until the process
 * is stopped (SIGTERM): it then shuts down cleanly and deletes its store under WORK_DIR.
 */
public final class TestServer {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: NEO4J_PASSWORD=... TestServer WORK_DIR URI_FILE [BOLT_PORT [PAGE_CACHE [TRANSACTION_MEMORY [COPY_FROM]]]]");
            System.exit(2);
        }
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("NEO4J_PASSWORD must be set to at least 8 characters (Neo4j's minimum)");
            System.exit(2);
        }
        Path workDir = Path.of(args[0]);
        Path uriFile = Path.of(args[1]);
        int port = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        long pageCache = ByteUnit.parse(args.length > 3 ? args[3] : "512m");
        long transactionMemory = ByteUnit.parse(args.length > 4 ? args[4] : "0");
        String copyFrom = args.length > 5 ? args[5] : "";
        Files.createDirectories(workDir);

        var builder = Neo4jBuilders.newInProcessBuilder(workDir);
        if (!copyFrom.isEmpty()) {
            builder = builder.copyFrom(Path.of(copyFrom));
        }
        Neo4j server = builder
                .withDisabledServer()
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .withConfig(GraphDatabaseSettings.auth_enabled, true)
                .withConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                .withConfig(GraphDatabaseSettings.memory_transaction_max_size, transactionMemory)
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));

        server.databaseManagementService()
                .database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME)
                .executeTransactionally("ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                        Map.of("password", password));

        String uri = "bolt://127.0.0.1:" + server.boltURI().getPort();
        Path partial = uriFile.resolveSibling(uriFile.getFileName() + ".partial");
        Files.writeString(partial, uri + "\n");
        Files.move(partial, uriFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("graphcase test server: Neo4j " + org.neo4j.kernel.internal.Version.getNeo4jVersion()
                + " listening at " + uri);
        stopped.await();
    }
}
