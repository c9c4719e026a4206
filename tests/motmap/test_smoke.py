def test_welcome_page_for_anonymous(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Map every moment of truth" in response.content


def test_board_renders(client_for, bob, journey):
    response = client_for(bob).get(f"/o/nordic-air/journeys/{journey.pk}/")
    assert response.status_code == 200
    assert "Check-in desk" in response.content.decode()
