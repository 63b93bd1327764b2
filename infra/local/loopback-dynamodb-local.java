import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local on the loopback interface only. The jar has no bind option: its Jetty server listens on
 * every interface, and DynamoDB Local checks no credentials, so anyone on the network could read or
 * rewrite the ledger. This builds the server from the same command line, binds its connectors to
 * 127.0.0.1 before it starts, and starts it. Run in Java's source-file mode (no build step).
 */
final class LoopbackDynamoDbLocal {
    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        int bound = 0;
        for (Connector connector : server.getConnectors()) {
            if (connector instanceof ServerConnector serverConnector) {
                serverConnector.setHost("127.0.0.1");
                bound += 1;
            }
        }
        // Fail rather than silently listen everywhere if a new jar builds its server differently.
        if (bound == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind to loopback");
        proxy.start();
    }
}
