// The identification service (app-id "identification"): face captures matched against the watch list and the enrolled
// passengers; a match raises OffenderIdentified or PassengerIdentified, a capture that matches no one leaves no trace.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIdentification();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapIdentificationApi();
app.MapIdentificationEventHandlers();
app.Run();
