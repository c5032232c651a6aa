[ /etc/ ]
