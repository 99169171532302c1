using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Passengers.V1;

namespace Mtaeda.Notifications.Tests;

/// <summary>A message of passengers to a passenger (<see cref="PassengerNotificationRequested"/>) is e-mailed to the passenger.</summary>
public sealed class PassengerNotificationTests(NotificationsFixture fixture) : IClassFixture<NotificationsFixture>
{
    [Fact]
    public async Task A_passenger_notification_is_e_mailed_to_the_passenger_with_the_notification_id_as_message_id()
    {
        var token = TestContext.Current.CancellationToken;
        await fixture.PublishAsync(new PassengerNotificationRequested
        {
            NotificationId = "p-7.3", PassengerId = "p-7", Kind = PassengerNotificationKind.TopUp, Email = "rider7@example.org",
            Subject = "Your card was topped up", Body = "12.50 was added to your transit card.", OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        }, token);

        var mail = await fixture.Smtp.Messages.ReadAsync(token).AsTask().WaitAsync(TimeSpan.FromSeconds(20), token);
        Assert.Equal(("Your card was topped up", "rider7@example.org", "p-7.3@mtaeda"), (mail.Subject, mail.To.Mailboxes.Single().Address, mail.MessageId));
        Assert.Contains("12.50 was added", mail.TextBody, StringComparison.Ordinal);
    }
}
