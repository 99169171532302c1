using MailKit.Net.Smtp;
using MimeKit;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>Sends e-mail through the configured SMTP server with MailKit, one connection per message.</summary>
/// <param name="options">The server and the sender address.</param>
/// <param name="secrets">The secret store (the SMTP password, when the server asks for one).</param>
public sealed class EmailSender(NotificationsOptions options, DeliverySecrets secrets)
{
    /// <summary>Sends one message.</summary>
    /// <param name="to">The recipients.</param>
    /// <param name="subject">The subject.</param>
    /// <param name="body">The plain-text body.</param>
    /// <param name="messageId">The Message-Id (the delivery's id), the same on every attempt.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>A task that completes when the server accepted the message.</returns>
    public async Task SendAsync(IEnumerable<string> to, string subject, string body, string messageId, CancellationToken cancellationToken)
    {
        var smtp = options.Smtp;
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        foreach (var address in to) message.To.Add(MailboxAddress.Parse(address));
        message.Subject = subject;
        message.MessageId = $"{messageId}@mtaeda";
        message.Body = new TextPart("plain") { Text = body };

        using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, smtp.Security, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            var password = string.IsNullOrEmpty(smtp.PasswordSecretName) ? "" : await secrets.GetAsync(smtp.PasswordSecretName, cancellationToken);
            await client.AuthenticateAsync(smtp.UserName, password, cancellationToken);
        }
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}
