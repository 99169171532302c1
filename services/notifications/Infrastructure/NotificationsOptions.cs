using MailKit.Security;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>The notifications service's settings (section <c>Notifications</c>).</summary>
public sealed class NotificationsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Notifications";

    /// <summary>The Dapr state store of configurations, alerts and the delivery log.</summary>
    public string StateStoreName { get; set; } = "statestore";

    /// <summary>The Dapr secret store the webhooks' signing secrets are read from (a configuration names its secret).</summary>
    public string SecretStoreName { get; set; } = "secretstore";

    /// <summary>How often the outbox sweep publishes configuration events a crash or a failed publish left behind.</summary>
    public TimeSpan OutboxSweep { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest page of a list (and the default page size).</summary>
    public int MaxListSize { get; set; } = 500;

    /// <summary>The SMTP server e-mail goes through.</summary>
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>Retries and concurrency of deliveries.</summary>
    public DeliveryOptions Delivery { get; set; } = new();
}

/// <summary>The SMTP server (MailKit).</summary>
public sealed class SmtpOptions
{
    /// <summary>Host name.</summary>
    public string Host { get; set; } = "localhost";

    /// <summary>Port.</summary>
    public int Port { get; set; } = 25;

    /// <summary>TLS: <c>None</c>, <c>StartTls</c>, <c>StartTlsWhenAvailable</c>, <c>SslOnConnect</c> or <c>Auto</c> (MailKit's <see cref="SecureSocketOptions"/>).</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTlsWhenAvailable;

    /// <summary>The sender address.</summary>
    public string From { get; set; } = "mtaeda-notifications@localhost";

    /// <summary>User name, when the server asks for authentication.</summary>
    public string? UserName { get; set; }

    /// <summary>Name of the secret (in the secret store) holding the password of <see cref="UserName"/>.</summary>
    public string? PasswordSecretName { get; set; }
}

/// <summary>How deliveries are tried.</summary>
public sealed class DeliveryOptions
{
    /// <summary>Attempts per delivery, the first included.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the first retry; each further one doubles it (exponential back-off).</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether the waits are jittered (so many deliveries failing together do not retry together).</summary>
    public bool UseJitter { get; set; } = true;

    /// <summary>How long one attempt may take before it counts as failed (a receiver that does not answer).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deliveries in flight at once; a slow target holds one of them, never the queue.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 32;

    /// <summary>Deliveries waiting; when full, the event handlers wait (and Dapr with them).</summary>
    public int QueueCapacity { get; set; } = 1000;
}

/// <summary>The operations hub (section <c>Hub</c>).</summary>
public sealed class HubOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Hub";

    /// <summary>The variable with the hub's port.</summary>
    public const string PortVariable = "NOTIFICATIONS_HUB_PORT";

    /// <summary>The hub's port when <see cref="PortVariable"/> is not set.</summary>
    public const int DefaultPort = 5117;

    /// <summary>The hub's path.</summary>
    public const string Path = "/hubs/operations";

    /// <summary>The audience of the hub's tokens.</summary>
    public const string DefaultAudience = "mtaeda-hub";

    /// <summary>The token issuer (OIDC metadata at <c>{Authority}/.well-known/openid-configuration</c>).</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must name.</summary>
    public string Audience { get; set; } = DefaultAudience;

    /// <summary>Whether the metadata must come over https (off only for the development issuer).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}
